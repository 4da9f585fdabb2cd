# Two commands on a fresh machine with Python 3.11:
#   make dashboard   - start the dashboard on the bundled (synthetic) data
#   make test        - run the whole test suite
# Both create .venv and install challengelab with its dependencies on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install dashboard test browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

dashboard: $(STAMP)
	$(BIN)/challengelab dashboard

# Browser tests and PDF reports use Debian's Chromium; install it when we can (root with apt-get).
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the browser tests and PDF reports"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium poppler-utils >/dev/null; \
	else echo "note: chromium is not installed; browser tests and PDF output will be skipped"; fi

test: $(STAMP) browser
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache
