# mtlnotes: two commands for readers (see README.md)
#   make book   set up .venv if needed, execute every notebook, build the HTML book
#   make test   set up .venv if needed, lint, unit tests with coverage, nbval
# Everything runs offline once the packages are installed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb)) $(wildcard book/*.ipynb)
NBVAL_OPTS := --nbval --nbval-current-env --nbval-cell-timeout=300 \
              --nbval-sanitize-with notebooks/nbval_sanitize.cfg -p no:cacheprovider

.PHONY: book test lint unit nbval student bench clean help

help:
	@echo "make book   - set up, execute all notebooks, build _build/html"
	@echo "make test   - set up, ruff, unit tests with coverage, nbval (strict)"
	@echo "make student - write student versions of the notebooks to student/"
	@echo "make bench  - run the benchmark suite (writes benchmarks/results)"
	@echo "make nbval NB=notebooks/<chapter>.ipynb - check one notebook"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	# the CPU build of torch first, so that the range in pyproject.toml is met
	$(BIN)/python -m pip install "torch==2.13.0" || \
	  $(BIN)/python -m pip install "torch>=2.2,<2.14" \
	    --extra-index-url https://download.pytorch.org/whl/cpu
	$(BIN)/python -m pip install -e ".[book,test]"
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/python scripts/execute_notebooks.py $(NOTEBOOKS)
	$(BIN)/jupyter-book build . -W -n --keep-going

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: $(STAMP)
	$(BIN)/python -m pytest tests --cov=mtlnotes --cov-report=term --cov-fail-under=90

nbval: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL_OPTS) $(if $(NB),$(NB),$(NOTEBOOKS))

test: lint unit nbval

clean:
	rm -rf _build student .pytest_cache .coverage

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

student: $(STAMP)
	$(BIN)/python -m mtlnotes.assign notebooks student

# Every full-scale experiment (stored under results/, read by the chapters);
# at most 30 minutes on 2 cores.
.PHONY: experiments
experiments: $(STAMP)
	$(BIN)/python -m mtlnotes.experiments all --scale full --jobs 2
