# Reference values for challengelab.stats, produced with R (Debian packages: survival, lme4, brglm2, jsonlite).
# Run from this folder:  Rscript make_reference.R
# Writes the test data sets (s1.csv, sim.csv) and reference.json, which tests/test_stats_*.py read (CI needs no R).
suppressPackageStartupMessages({library(survival); library(lme4); library(brglm2); library(jsonlite)})
options(digits = 15)

# ---- S1: 8 tasks x 6 teams (statistics notes, section 4) ----
s1 <- expand.grid(team = 1:6, task = 1:8)[, c("task", "team")]
s1$rank <- s1$team
s1$winner <- as.integer(s1$team == 1)
s1$aug <- as.integer(s1$team == 1 | (s1$task + s1$team) %% 2 == 0)
s1$mtl <- as.integer((s1$task * s1$team) %% 3 == 0 | (s1$team == 1 & s1$task %% 2 == 0))
write.csv(s1, "s1.csv", row.names = FALSE)

# ---- sim: 40 tasks of 4..25 teams in 12 challenges, tied ranks, several tied winners in some tasks ----
set.seed(20211)
rows <- list()
for (t in 1:40) {
  n <- sample(4:25, 1)
  x1 <- rbinom(n, 1, 0.5); x2 <- round(rnorm(n), 3); x3 <- rbinom(n, 1, 0.3)
  score <- 0.8 * x1 + 0.5 * x2 - 0.4 * x3 + rlogis(n)
  # coarse scores make ties, also at rank 1
  sc <- round(score * 1.5)
  rk <- rank(-sc, ties.method = "min")
  rows[[t]] <- data.frame(task = t, challenge = (t - 1) %% 12 + 1, team = seq_len(n), rank = rk,
                          x1 = x1, x2 = x2, x3 = x3)
}
sim <- do.call(rbind, rows)
sim$winner <- as.integer(sim$rank == 1)
sim$top3 <- as.integer(sim$rank <= 3)
u <- rnorm(12, 0, 0.9)
sim$success <- rbinom(nrow(sim), 1, plogis(-0.3 + 0.7 * sim$x1 - 0.5 * sim$x2 + u[sim$challenge]))
write.csv(sim, "sim.csv", row.names = FALSE)

tab <- function(fit, loglik = NULL) {
  s <- summary(fit)$coefficients
  out <- list(term = rownames(s), estimate = unname(s[, 1]))
  if (inherits(fit, "coxph")) {
    out$std_error <- unname(s[, "se(coef)"]); out$z <- unname(s[, "z"]); out$p_value <- unname(s[, "Pr(>|z|)"])
    ci <- confint(fit); out$ci_low <- unname(ci[, 1]); out$ci_high <- unname(ci[, 2])
    out$loglik <- fit$loglik[2]; out$n <- fit$n
  } else {
    out$std_error <- unname(s[, 2]); out$z <- unname(s[, 3]); out$p_value <- unname(s[, 4])
  }
  out
}
ref <- list()

# conditional logit, exact
ref$s1_clogit_mtl <- tab(clogit(winner ~ mtl + strata(task), data = s1, method = "exact"))
ref$sim_clogit_winner <- tab(clogit(winner ~ x1 + x2 + x3 + strata(task), data = sim, method = "exact"))
ref$sim_clogit_top3 <- tab(clogit(top3 ~ x1 + x2 + strata(task), data = sim, method = "exact"))

# rank-ordered logit = stratified Cox with rank as time
s1$event <- 1; sim$event <- 1
ref$s1_rologit_efron <- tab(coxph(Surv(rank, event) ~ mtl + aug + strata(task), data = s1, ties = "efron"))
ref$s1_rologit_breslow <- tab(coxph(Surv(rank, event) ~ mtl + aug + strata(task), data = s1, ties = "breslow"))
ref$sim_rologit_efron <- tab(coxph(Surv(rank, event) ~ x1 + x2 + x3 + strata(task), data = sim, ties = "efron"))
ref$sim_rologit_breslow <- tab(coxph(Surv(rank, event) ~ x1 + x2 + x3 + strata(task), data = sim, ties = "breslow"))

# exact conditional CMH test
cmh <- function(d, x, y, s) {
  m <- mantelhaen.test(table(factor(d[[x]], levels = c(1, 0)), factor(d[[y]], levels = c(1, 0)), d[[s]]), exact = TRUE)
  list(statistic = unname(m$statistic), p_value = m$p.value, odds_ratio = unname(m$estimate),
       ci_low = m$conf.int[1], ci_high = m$conf.int[2])
}
# R's own mantelhaen.test code with only uniroot's tolerance tightened (default ~1e-4 limits the 4th digit
# of the estimate and interval); the p-value does not involve uniroot.
mantelhaen_precise <- eval(parse(text = gsub("uniroot(", "uniroot(tol = 1e-13, ",
                                             deparse(stats::mantelhaen.test), fixed = TRUE)))
environment(mantelhaen_precise) <- asNamespace("stats")
cmh_precise <- function(d, x, y, s) {
  m <- mantelhaen_precise(table(factor(d[[x]], levels = c(1, 0)), factor(d[[y]], levels = c(1, 0)), d[[s]]), exact = TRUE)
  list(statistic = unname(m$statistic), p_value = m$p.value, odds_ratio = unname(m$estimate),
       ci_low = m$conf.int[1], ci_high = m$conf.int[2])
}
ref$s1_cmh_mtl_precise <- cmh_precise(s1, "mtl", "winner", "task")
ref$sim_cmh_x1_precise <- cmh_precise(sim, "x1", "winner", "task")
ref$sim_cmh_x3_top3_precise <- cmh_precise(sim, "x3", "top3", "task")
ref$s1_cmh_aug <- cmh(s1, "aug", "winner", "task")
ref$s1_fisher_aug <- {f <- fisher.test(table(factor(s1$aug, levels = c(1, 0)), factor(s1$winner, levels = c(1, 0))));
  list(p_value = f$p.value, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2])}
ref$sim_fisher_x1 <- {f <- fisher.test(table(factor(sim$x1, levels = c(1, 0)), factor(sim$winner, levels = c(1, 0))));
  list(p_value = f$p.value, odds_ratio = unname(f$estimate), ci_low = f$conf.int[1], ci_high = f$conf.int[2])}
ref$sim_cmh_asymptotic_x1 <- {m <- mantelhaen.test(table(factor(sim$x1, levels = c(1, 0)), factor(sim$winner, levels = c(1, 0)), sim$task));
  list(statistic = unname(m$statistic), p_value = m$p.value, odds_ratio = unname(m$estimate), ci_low = m$conf.int[1], ci_high = m$conf.int[2])}
ref$p_adjust <- list(p = c(.01, .02, .03, .04), holm = p.adjust(c(.01, .02, .03, .04), "holm"),
                     BH = p.adjust(c(.01, .02, .03, .04), "BH"))
ref$s1_cmh_mtl <- cmh(s1, "mtl", "winner", "task")
ref$sim_cmh_x1 <- cmh(sim, "x1", "winner", "task")
ref$sim_cmh_x3_top3 <- cmh(sim, "x3", "top3", "task")
ref$sim_cmh_x1_lower <- {m <- mantelhaen.test(table(factor(sim$x1, levels = c(1, 0)), factor(sim$winner, levels = c(1, 0)), sim$task), exact = TRUE, alternative = "less"); list(p_value = m$p.value)}

# Firth point estimates (brglm2 = logistf point estimates) and SEs
f1 <- glm(winner ~ aug + mtl, family = binomial, data = s1, method = "brglmFit", type = "AS_mean")
ref$s1_firth_aug_mtl <- tab(f1)
f2 <- glm(success ~ x1 + x2, family = binomial, data = sim[sim$task <= 6, ], method = "brglmFit", type = "AS_mean")
ref$sim6_firth <- tab(f2)

# mixed logistic, adaptive Gauss-Hermite quadrature
mix <- function(fit) {
  s <- summary(fit)$coefficients
  list(term = rownames(s), estimate = unname(s[, 1]), std_error = unname(s[, 2]), z = unname(s[, 3]),
       p_value = unname(s[, 4]), sigma = attr(VarCorr(fit)[[1]], "stddev")[[1]], loglik = as.numeric(logLik(fit)))
}
data(cbpp, package = "lme4")
write.csv(cbpp, "cbpp.csv", row.names = FALSE)
ref$cbpp_laplace <- mix(glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, binomial))
ref$cbpp_agq25 <- mix(glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, binomial, nAGQ = 25))
ref$sim_mixed_agq25 <- mix(glmer(success ~ x1 + x2 + (1 | challenge), sim, binomial, nAGQ = 25))

writeLines(toJSON(ref, digits = NA, auto_unbox = TRUE, pretty = TRUE), "reference.json")
cat("R", R.version.string, "survival", as.character(packageVersion("survival")), "lme4",
    as.character(packageVersion("lme4")), "brglm2", as.character(packageVersion("brglm2")), "\n")
