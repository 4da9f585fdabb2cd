# Reference values for the procedures added in "Statistics II": Firth-penalised stratified models (coxphf),
# the asymptotic CMH test with and without continuity correction, p.adjust (all methods, NA, rows).
# Needs R with survival, jsonlite and coxphf 1.13.4 (not in Debian: built from its CRAN source into a
# library given as the first argument). Run from this folder:
#   Rscript make_reference_issue10.R /tmp/rlib
# Writes firth.csv and reference_issue10.json, which tests/test_stats_issue10.py reads (CI needs no R).
args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 1) .libPaths(c(args[1], .libPaths()))
suppressPackageStartupMessages({library(survival); library(jsonlite); library(coxphf)})
options(digits = 15)
s1 <- read.csv("s1.csv"); sim <- read.csv("sim.csv")

# ---- firth.csv: 36 tasks of 2..9 teams (tiny strata included), tied ranks, separating variables ----
set.seed(1010)
rows <- list()
for (t in 1:36) {
  n <- c(2, 3, 2 + sample(1:7, 1))[min(t, 3)]
  if (t > 3) n <- sample(2:9, 1)
  z <- round(rnorm(n), 2); w <- rbinom(n, 1, 0.4)
  score <- 0.7 * z + 0.6 * w + rlogis(n)
  rk <- rank(-round(score * 2), ties.method = "min")
  rows[[t]] <- data.frame(task = t, team = seq_len(n), rank = rk, z = z, w = w)
}
fd <- do.call(rbind, rows)
# one winner per task for the conditional logit (first of tied best ranks)
fd$winner <- as.integer(ave(fd$rank, fd$task, FUN = function(r) seq_along(r) == which.min(r)))
# quasi-complete separation of winning: every winner has it, and some other teams too
fd$quasi <- as.integer(fd$winner == 1 | (fd$team %% 3 == 0))
# complete separation of winning: only winners have it
fd$complete <- as.integer(fd$winner == 1)
# quasi-complete separation of the ranking: 1 for the best two rank positions
fd$top2 <- as.integer(fd$rank <= ave(fd$rank, fd$task, FUN = function(r) sort(unique(r))[min(2, length(unique(r)))]))
write.csv(fd, "firth.csv", row.names = FALSE)

coxf <- function(formula, data) {
  f <- coxphf(formula, data = data, maxit = 500, epsilon = 1e-10, gconv = 1e-10)
  s <- sqrt(diag(f$var))
  list(term = names(f$coefficients), estimate = unname(f$coefficients), std_error = unname(s),
       p_value = unname(f$prob), ci_low = unname(log(f$ci.lower)), ci_high = unname(log(f$ci.upper)),
       loglik = unname(f$loglik))
}
# conditional logit with one case per stratum: each task its own interval (task - 1, task]
as_clogit <- function(d, outcome) { d$start <- d$task - 1; d$stop <- d$task; d$event <- d[[outcome]]; d }
# rank-ordered logit: each task its own window; a row is at risk until its rank, rank = event time
as_rologit <- function(d) { d$start <- (d$task - 1) * 1000; d$stop <- d$start + d$rank; d$event <- 1; d }

ref <- list()
c1 <- as_clogit(s1, "winner")
ref$s1_clogit_firth_aug_mtl <- coxf(Surv(start, stop, event) ~ mtl + aug, c1)
ref$s1_clogit_firth_mtl <- coxf(Surv(start, stop, event) ~ mtl, c1)
cf <- as_clogit(fd, "winner")
ref$fd_clogit_firth_quasi <- coxf(Surv(start, stop, event) ~ z + w + quasi, cf)
ref$fd_clogit_firth_complete <- coxf(Surv(start, stop, event) ~ z + complete, cf)
ref$fd_clogit_firth_plain <- coxf(Surv(start, stop, event) ~ z + w, cf)
# tied winners (11 of the 40 tasks have 2-3): coxphf treats them like Breslow's ties
ref$sim_clogit_firth_tied_winners <- coxf(Surv(start, stop, event) ~ x1 + x2 + x3, as_clogit(sim, "winner"))
r1 <- as_rologit(s1)
ref$s1_rologit_firth <- coxf(Surv(start, stop, event) ~ mtl + aug, r1)
rf <- as_rologit(fd)
ref$fd_rologit_firth_ties <- coxf(Surv(start, stop, event) ~ z + w, rf)
ref$fd_rologit_firth_top2 <- coxf(Surv(start, stop, event) ~ z + w + top2, rf)
rs <- as_rologit(sim)
ref$sim_rologit_firth_ties <- coxf(Surv(start, stop, event) ~ x1 + x2 + x3, rs)
# check: the counting-process layout equals the stratified Cox model without the penalty
ref$fd_rologit_breslow_ml <- {f <- coxph(Surv(rank, rep(1, nrow(fd))) ~ z + w + strata(task), data = fd, ties = "breslow");
  list(estimate = unname(coef(f)), std_error = unname(sqrt(diag(f$var))))}

# ---- unpenalised fits under separation: the finite terms equal the fit on the limiting data ----
# conditional logit, aug separates winning (quasi-completely): in the limit only rows with aug = 1 compete
ref$s1_clogit_limit_mtl <- {f <- clogit(winner ~ mtl + strata(task), data = s1[s1$aug == 1, ], method = "exact");
  list(estimate = unname(coef(f)), std_error = unname(sqrt(diag(f$var))))}
# rank-ordered logit, top2 separates the ranking: in the limit the top-2 rows and the others are ranked apart
ref$fd_rologit_limit_top2 <- {f <- coxph(Surv(rank, rep(1, nrow(fd))) ~ z + w + strata(task, top2), data = fd,
                                         ties = "efron");
  list(estimate = unname(coef(f)), std_error = unname(sqrt(diag(f$var))))}

# ---- Rubin's rules: mice::pool on the data sets completed in Python (make_imputed_sets.py) ----
suppressPackageStartupMessages(library(mice))
ms <- read.csv("mice_sets.csv"); ms$event <- 1
pooled <- function(fits) {
  s <- summary(pool(as.mira(fits)), conf.int = TRUE)
  list(term = as.character(s$term), estimate = s$estimate, std_error = s$std.error, df = s$df,
       p_value = s$p.value, ci_low = s[["2.5 %"]], ci_high = s[["97.5 %"]])
}
ref$mice_clogit_winner <- pooled(lapply(split(ms, ms$imp), function(d)
  clogit(winner ~ x1 + x2 + x3 + strata(task), data = d, method = "exact")))
ref$mice_rologit_efron <- pooled(lapply(split(ms, ms$imp), function(d)
  coxph(Surv(rank, event) ~ x1 + x2 + x3 + strata(task), data = d, ties = "efron")))
ref$mice_version <- as.character(packageVersion("mice"))

# ---- asymptotic CMH, with and without continuity correction ----
mh <- function(x, y, s, d, correct) {
  m <- mantelhaen.test(table(factor(d[[x]], levels = c(1, 0)), factor(d[[y]], levels = c(1, 0)), d[[s]]),
                       correct = correct)
  list(statistic = unname(m$statistic), p_value = m$p.value, odds_ratio = unname(m$estimate),
       ci_low = m$conf.int[1], ci_high = m$conf.int[2])
}
null_tab <- data.frame(task = rep(1:2, each = 4), win = rep(c(1, 1, 0, 0), 2), x = rep(c(1, 0, 1, 0), 2))
small_delta <- data.frame(task = rep(1:3, each = 4), win = rep(c(1, 0, 0, 0), 3),
                          x = c(1, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0))
write.csv(small_delta, "cmh_small_delta.csv", row.names = FALSE)
for (correct in c(TRUE, FALSE)) {
  tag <- if (correct) "correct" else "uncorrected"
  ref[[paste0("cmh_", tag, "_s1_mtl")]] <- mh("mtl", "winner", "task", s1, correct)
  ref[[paste0("cmh_", tag, "_sim_x1")]] <- mh("x1", "winner", "task", sim, correct)
  ref[[paste0("cmh_", tag, "_sim_x3_top3")]] <- mh("x3", "top3", "task", sim, correct)
  ref[[paste0("cmh_", tag, "_null")]] <- mh("x", "win", "task", null_tab, correct)
  ref[[paste0("cmh_", tag, "_small_delta")]] <- mh("x", "win", "task", small_delta, correct)
}

# ---- p.adjust: every method, NA counted as a test, several rows ----
p1 <- c(0.001, 0.012, 0.03, NA, 0.2, 0.041, 0.5, 0.0049, 0.9, 0.049)
p2 <- c(0.04, 0.04, 0.01, 0.3, 0.02, 0.8, 0.02, 0.07, 0.6, 0.0001)
methods <- c("holm", "hochberg", "hommel", "bonferroni", "BH", "BY")
# R's default n = length(p) is evaluated after the NAs are removed, so an NA does not count as a test;
# with n given explicitly (before that), it does (challengelab's default: NaN counts as a test).
ref$p_adjust_rows <- list(p = rbind(p1, p2))
for (m in methods) ref$p_adjust_rows[[m]] <- rbind(p.adjust(p1, m), p.adjust(p2, m))
n_all <- length(p1)
ref$p_adjust_rows_nan_counts <- list(p = rbind(p1, p2))
for (m in methods) ref$p_adjust_rows_nan_counts[[m]] <- rbind(p.adjust(p1, m, n = n_all), p.adjust(p2, m, n = n_all))

writeLines(toJSON(ref, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), "reference_issue10.json")
cat("R", R.version.string, "survival", as.character(packageVersion("survival")), "coxphf",
    as.character(packageVersion("coxphf")), "\n")
