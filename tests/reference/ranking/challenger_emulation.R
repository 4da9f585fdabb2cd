# Reference values for tests/test_ranking_challenger.py: challengeR 1.0.5 behaviour, emulated in base R.
#
# challengeR (github.com/wiesenfa/challengeR, GPL) is not a Debian package and pulls in heavy dependencies, so it is
# not installed here. This script re-implements, in our own base-R code, the steps of its documented algorithm
# as read in its source (R/rankNA2.R, R/Rank.R, R/Aggregate.R, R/aaggregate.R, R/testBased.R, R/Bootstrap.R,
# R/challengeR.R, version 1.0.5):
#   * as.challenge makes the algorithm column a factor (levels sorted by R's collation); missing combinations are
#     completed with NA (tidyr::complete, which orders rows by algorithm within a case); na.treat = "na.rm"
#     deletes NA rows.
#   * rankNA2: base::rank(na.last = "keep"); with missing values, "min"/"random" give them max(present rank) + 1,
#     "average" max(present rank) + mean(1:m) for m missing values; "max" and "first" leave them NA, so they drop
#     out of the aggregate (na.rm).
#   * aggregate-then-rank: stats::aggregate(value ~ algorithm factor) over non-missing rows, then rankNA2.
#   * rank-then-aggregate: rankNA2 within every case (rows in data order), aggregate the ranks (NA removed), then
#     rankNA2 (smaller is better).
#   * test-then-rank: NA rows removed; for every ordered pair of present algorithms
#     wilcox.test(x, y, paired = TRUE, exact = FALSE, alternative = "greater"/"less") on the cases both have
#     (intersect of case ids, first row per id via match); p.adjust over all ordered pairs; a win is
#     adjusted p <= alpha; score = wins / (number of present algorithms - 1); rankNA2 (larger is better).
#   * bootstrap: merge(data.frame(case = drawn ids), data, by = case); the merged table is ranked as above, so
#     copies of a repeated case share one case id (ranked together within that case; the tests keep one row per
#     id).
# Names are lower case so that R's collation and ours agree. Rows within a case keep the data (column) order,
# which is challengeR's order for ties = "first" within a case.
# Run: Rscript tests/reference/ranking/challenger_emulation.R   (needs r-cran-jsonlite; writes
# challenger_reference.json next to this script). CI reads only the JSON.
suppressPackageStartupMessages(library(jsonlite))
here <- dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))))

rank_na2 <- function(x, ties, small_better) {
  r <- rank((-1)^(!small_better) * x, ties.method = ties, na.last = "keep")
  if (any(is.na(x))) {
    top <- if (all(is.na(x))) 0 else max(r, na.rm = TRUE)
    if (ties %in% c("min", "random")) r[is.na(x)] <- top + 1
    if (ties == "average") r[is.na(x)] <- top + mean(seq_len(sum(is.na(x))))
  }
  r
}

as_long <- function(m) {  # matrix cases x algorithms -> long table, rows by case then algorithm (as complete())
  data.frame(case = rep(seq_len(nrow(m)), each = ncol(m)), algorithm = rep(colnames(m), nrow(m)),
             value = as.vector(t(m)), stringsAsFactors = FALSE)
}

mat <- function(m) list(matrix = m, algorithms = colnames(m))
named <- function(values, names) { names(values) <- as.character(names); as.list(values) }

aggregate_then_rank <- function(d, fun = mean, ties = "min", small_better = FALSE) {
  d <- d[!is.na(d$value), ]
  a <- aggregate(d$value, by = list(algorithm = factor(d$algorithm)), FUN = fun)
  list(score = named(a$x, a$algorithm), rank = named(rank_na2(a$x, ties, small_better), a$algorithm))
}

case_ranks <- function(d, ties, small_better = FALSE) {
  d$rank <- NA_real_
  for (id in unique(d$case)) {
    rows <- which(d$case == id)
    d$rank[rows] <- rank_na2(d$value[rows], ties, small_better)
  }
  d
}

rank_then_aggregate <- function(d, fun = mean, ties = "min", small_better = FALSE) {
  r <- case_ranks(d, ties, small_better)
  r <- r[!is.na(r$rank), ]
  a <- aggregate(r$rank, by = list(algorithm = factor(r$algorithm)), FUN = fun)
  list(score = named(a$x, a$algorithm), rank = named(rank_na2(a$x, ties, TRUE), a$algorithm))
}

test_then_rank <- function(d, alpha = 0.05, adjust = "none", ties = "min", small_better = FALSE) {
  d <- d[!is.na(d$value), ]
  algorithms <- sort(unique(d$algorithm))
  alternative <- if (small_better) "less" else "greater"
  pairs <- expand.grid(first = algorithms, second = algorithms, stringsAsFactors = FALSE)
  pairs <- pairs[pairs$first != pairs$second, ]
  p <- sapply(seq_len(nrow(pairs)), function(i) {
    x <- d[d$algorithm == pairs$first[i], ]; y <- d[d$algorithm == pairs$second[i], ]
    id <- intersect(y$case, x$case)
    suppressWarnings(wilcox.test(x$value[match(id, x$case)], y$value[match(id, y$case)], paired = TRUE,
                                 exact = FALSE, alternative = alternative)$p.value)
  })
  win <- p.adjust(p, method = adjust) <= alpha
  score <- sapply(algorithms, function(a) sum(win[pairs$first == a])) / (length(algorithms) - 1)
  list(score = named(score, algorithms), rank = named(rank_na2(score, ties, FALSE), algorithms),
       pairs = data.frame(algorithm = pairs$first, versus = pairs$second, p_value = p,
                          p_adjusted = p.adjust(p, method = adjust)))
}

challenger_sample <- function(d, ids) merge(data.frame(case = ids), d, by = "case")
paired_sample <- function(d, ids) {
  do.call(rbind, lapply(seq_along(ids), function(s) { x <- d[d$case == ids[s], ]; x$case <- s; x }))
}

out <- list()

# CR1: tiny-scale metrics; exact decimal ties stay ties.
tiny <- cbind(dd = c(1.0e-11, 1.3e-11, 0.8e-11), bb = c(1.1e-11, 1.4e-11, 0.9e-11),
              cc = c(1.2e-11, 1.5e-11, 1.0e-11), aa = c(0.9e-11, 1.2e-11, 0.7e-11))
micro <- cbind(dd = 1e-6 + c(0, 1e-10, 2e-10), bb = 1e-6 + c(3e-11, 1.3e-10, 2.3e-10),
               cc = 1e-6 + c(1e-10, 2e-10, 3e-10), aa = 1e-6 + c(-5e-11, 5e-11, 1.5e-10))
decimal <- cbind(a = c(0.90, 0.80, 0.70, 0.60), b = c(0.95, 0.85, 0.55, 0.65), c = c(0.50, 0.90, 0.60, 0.40))
out$CR1 <- list(tiny = list(values = mat(tiny), mean = aggregate_then_rank(as_long(tiny)),
                            median = aggregate_then_rank(as_long(tiny), median)),
                micro = list(values = mat(micro), mean = aggregate_then_rank(as_long(micro)),
                             smaller = aggregate_then_rank(as_long(micro), mean, "min", TRUE)),
                decimal = list(values = mat(decimal), mean = aggregate_then_rank(as_long(decimal))))

# CR2: an algorithm without any result in the task (na.treat = "na.rm"): only the 4 present algorithms are tested
# (12 p-values). "aa" beats everyone in all 10 cases (p = 0.00296 each): Holm over 12 keeps the wins, over 20 not.
set.seed(3)
whole <- cbind(aa = round(runif(10, 0.90, 0.95), 3), bb = round(runif(10, 0.60, 0.85), 3),
               cc = round(runif(10, 0.60, 0.85), 3), dd = round(runif(10, 0.60, 0.85), 3), ee = NA)
wl <- as_long(whole)
out$CR2 <- list(values = mat(whole), holm = test_then_rank(wl, adjust = "holm"),
                bonferroni = test_then_rank(wl, adjust = "bonferroni"),
                mean = aggregate_then_rank(wl))

# CR3: several missing values per case, ties among present values; rank-then-aggregate with each ties method.
several <- cbind(ee = c(0.7, NA, 0.5, 0.9, NA, 0.6), cc = c(0.7, 0.8, NA, 0.9, NA, 0.6),
                 aa = c(NA, 0.8, NA, 0.4, 0.3, NA), dd = c(0.5, NA, 0.5, NA, NA, 0.2),
                 bb = c(NA, 0.6, 0.5, 0.9, 0.8, NA))
sl <- as_long(several)
ours_last <- function(d, ties) {  # our rule for "max"/"first": missing values form the last block of the case
  d$value[is.na(d$value)] <- -Inf
  rank_then_aggregate(d, mean, ties)
}
out$CR3 <- list(values = mat(several),
                case_ranks = lapply(c(min = "min", average = "average"), function(t) case_ranks(sl, t)$rank),
                min = rank_then_aggregate(sl, mean, "min"), average = rank_then_aggregate(sl, mean, "average"),
                median_average = rank_then_aggregate(sl, median, "average"),
                max = rank_then_aggregate(sl, mean, "max"), first = rank_then_aggregate(sl, mean, "first"),
                ours_max = ours_last(sl, "max"), ours_first = ours_last(sl, "first"))

# CR4: ties = "first" breaks ties alphabetically (input order is not alphabetical).
first <- cbind(delta = c(0.8, 0.6), beta = c(0.6, 0.8), charlie = c(0.5, 0.5), alpha = c(0.7, 0.7))
fl <- as_long(first)
out$CR4 <- list(values = mat(first), mean = aggregate_then_rank(fl, mean, "first"),
                rank_mean = rank_then_aggregate(fl, mean, "first"))

# CR5: pairs whose differences are all zero get p = 1 (R: z = -0.5 / 0).
zero <- cbind(aa = c(0.8, 0.7, 0.9, 0.6, 0.85), bb = c(0.8, 0.7, 0.9, 0.6, 0.85), cc = c(0.5, 0.6, 0.4, 0.55, 0.5))
out$CR5 <- list(values = mat(zero), none = test_then_rank(as_long(zero)),
                holm = test_then_rank(as_long(zero), adjust = "holm"))

# CR6: bootstrap samples with repeated cases, challengeR's merge versus one case per draw (paired).
set.seed(7)
boot <- cbind(aa = round(runif(8, 0.6, 0.9), 1), bb = round(runif(8, 0.6, 0.9), 1), cc = round(runif(8, 0.6, 0.9), 1),
              dd = round(runif(8, 0.5, 0.8), 1))
boot[2, "cc"] <- NA; boot[5, "aa"] <- NA; boot[5, "dd"] <- NA
bl <- as_long(boot)
draws <- list(c(1, 1, 2, 5, 5, 5, 7, 8), c(3, 3, 3, 3, 2, 2, 6, 6), c(8, 7, 6, 5, 4, 3, 2, 1))
replay <- function(sampler) lapply(draws, function(ids) {
  s <- sampler(bl, ids)
  list(rank_min = rank_then_aggregate(s, mean, "min"), rank_average = rank_then_aggregate(s, mean, "average"),
       rank_median = rank_then_aggregate(s, median, "min"),
       test_none = test_then_rank(s, alpha = 0.3, adjust = "none"))
})
out$CR6 <- list(values = mat(boot), draws = draws, challenger = replay(challenger_sample), paired = replay(paired_sample))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, matrix = "rowmajor", na = "null", pretty = TRUE),
           file.path(here, "challenger_reference.json"))
