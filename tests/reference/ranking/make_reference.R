# Reference values for tests/test_ranking_*.py, computed with base R (challengeR is not available here; its
# behaviour is documented in ../shared/notes/statistics.md section 5 and reproduced with base R functions).
# Run: Rscript tests/reference/ranking/make_reference.R  (writes r_reference.json next to this script)
suppressPackageStartupMessages(library(jsonlite))
here <- dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))))

out <- list()

# W1: Wilcoxon one-sided paired p-values with ties and zero differences, normal approximation with correction.
set.seed(11)
n <- 25
m <- cbind(A = round(runif(n, 0.6, 0.9), 2), B = round(runif(n, 0.55, 0.9), 2), C = round(runif(n, 0.6, 0.85), 2),
           D = round(runif(n, 0.5, 0.8), 2))
m[3, "B"] <- m[3, "A"]; m[7, "C"] <- m[7, "A"]; m[9, "D"] <- m[9, "B"]
k <- ncol(m)
p <- matrix(NA_real_, k, k)
for (i in 1:k) for (j in 1:k) if (i != j)
  p[i, j] <- suppressWarnings(wilcox.test(m[, i], m[, j], paired = TRUE, exact = FALSE, correct = TRUE,
                                          alternative = "greater")$p.value)
off <- row(p) != col(p)
adj <- list()
for (method in c("holm", "hochberg", "hommel", "bonferroni", "BH", "BY")) {
  a <- p; a[off] <- p.adjust(p[off], method = method); adj[[method]] <- a
}
wins <- function(pm) sapply(1:k, function(i) sum(pm[i, -i] < 0.05, na.rm = TRUE))
out$W1 <- list(values = m, algorithms = colnames(m), p = p, adjusted = adj,
               rank_none = rank(-wins(p), ties.method = "min"),
               rank_holm = rank(-wins(adj$holm), ties.method = "min"),
               mean = colMeans(m), mean_rank = rank(-colMeans(m), ties.method = "min"),
               median = apply(m, 2, median), q10 = apply(m, 2, quantile, probs = 0.1, type = 7),
               q90 = apply(m, 2, quantile, probs = 0.9, type = 7))

# W2: smaller is better (e.g. a distance), with per-case ranks and rank-then-aggregate (mean and median).
set.seed(5)
h <- cbind(A = round(rexp(12, 1), 1), B = round(rexp(12, 0.8), 1), C = round(rexp(12, 1.2), 1))
cr <- t(apply(h, 1, rank, ties.method = "min"))
out$W2 <- list(values = h, algorithms = colnames(h), case_ranks = cr,
               rank_mean = colMeans(cr), rank_mean_rank = rank(colMeans(cr), ties.method = "min"),
               mean = colMeans(h), mean_rank = rank(colMeans(h), ties.method = "min"),
               p_less = sapply(1:3, function(i) sapply(1:3, function(j) if (i == j) NA else
                 suppressWarnings(wilcox.test(h[, i], h[, j], paired = TRUE, exact = FALSE, correct = TRUE,
                                              alternative = "less")$p.value))))

# T1: R's rank ties methods.
x <- c(3, 1, 4, 1, 5, 9, 2, 6, 5, 3)
out$T1 <- list(x = x, min = rank(x, ties.method = "min"), max = rank(x, ties.method = "max"),
               average = rank(x, ties.method = "average"), first = rank(x, ties.method = "first"))

# K1: Kendall tau-b with ties.
a <- c(1, 2, 2, 4, 5, 6, 6, 8); b <- c(2, 1, 3, 3, 6, 5, 7, 8)
out$K1 <- list(a = a, b = b, tau = cor(a, b, method = "kendall"))

# P1: p.adjust on a vector with ties.
pv <- c(0.01, 0.02, 0.03, 0.04, 0.04, 0.2, 0.5, 0.001)
out$P1 <- list(p = pv, holm = p.adjust(pv, "holm"), hochberg = p.adjust(pv, "hochberg"),
               hommel = p.adjust(pv, "hommel"), bonferroni = p.adjust(pv, "bonferroni"),
               BH = p.adjust(pv, "BH"), BY = p.adjust(pv, "BY"))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, matrix = "rowmajor", na = "null", pretty = TRUE),
           file.path(here, "r_reference.json"))
