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
# Kernel choices the committed outputs must not depend on (CONTRIBUTING.md, "What is
# compared exactly"): OpenBLAS picks a kernel per CPU, torch an ATen vector width, and
# both split work over threads.  "DEFAULT=1" is a no-op (whatever this machine picks);
# a comma joins variables set together.  `make test` adds the second setting;
# `make portability` runs them all.
SECOND_KERNELS := OPENBLAS_CORETYPE=Sandybridge ATEN_CPU_CAPABILITY=default
KERNEL_MATRIX  := DEFAULT=1 \
                  OPENBLAS_CORETYPE=Haswell OPENBLAS_CORETYPE=SkylakeX \
                  OPENBLAS_CORETYPE=Sandybridge \
                  ATEN_CPU_CAPABILITY=default ATEN_CPU_CAPABILITY=avx2 \
                  OMP_NUM_THREADS=1 OMP_NUM_THREADS=2 \
                  OPENBLAS_CORETYPE=Sandybridge,ATEN_CPU_CAPABILITY=default

.PHONY: book pdf test lint unit fast nbval nbval-second-kernels portability student \
        bench clean help

help:
	@echo "make book   - set up, execute all notebooks, build _build/html"
	@echo "make pdf    - set up, build _build/html, print it to _build/pdf/mtlnotes.pdf"
	@echo "make fast   - the tests not marked slow (under 2 minutes; while editing)"
	@echo "make test   - set up, ruff, unit tests with coverage, nbval (strict) under"
	@echo "              the default kernels and under $(SECOND_KERNELS)"
	@echo "make portability - unit tests + nbval under every setting of KERNEL_MATRIX"
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

# The whole book as one PDF, from the committed outputs (nothing is re-executed):
# the strict HTML build printed by headless Chromium (Debian's `chromium`, the
# browser the tests already drive), every page in _toc.yml order after MathJax
# has typeset it, one bookmark per page; solutions, launch buttons, sidebars and
# slider controls are left out (scripts/build_pdf.py).  Chosen over Sphinx's
# LaTeX builder with XeLaTeX: that route adds ~360 MB of TeX Live to every
# machine and CI run and would need its own styling of the theorem, proof and
# exercise boxes and of the hidden cells, while the print reuses what the tests
# install and shows every page as the HTML book does.  Cost on 2 cores: the HTML
# build (~25 CPU-s) and the print (~3 CPU-min, mostly MathJax and Chromium's
# PDF output).
pdf: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(BIN)/python scripts/build_pdf.py _build/html _build/pdf/mtlnotes.pdf

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# two workers (CI has 2 cores); a test file stays on one worker (tests/conftest.py
# groups them; the book's readers share one group), so module fixtures (one book
# build, one nbgrader course) are made once
unit: $(STAMP)
	$(BIN)/python -m pytest tests -n 2 --dist loadgroup \
	  --cov=mtlnotes --cov-report=term --cov-fail-under=90

# the fast tier, for editing: everything but the tests marked slow (book builds,
# browser, venvs, nbgrader, chapter executions); under 2 minutes on 2 cores
fast: $(STAMP)
	$(BIN)/python -m pytest tests -n 2 --dist loadgroup -m "not slow"

nbval: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL_OPTS) $(if $(NB),$(NB),$(NOTEBOOKS))

nbval-second-kernels: $(STAMP)
	env $(SECOND_KERNELS) $(BIN)/python -m pytest $(NBVAL_OPTS) \
	  $(if $(NB),$(NB),$(NOTEBOOKS))

test: lint unit nbval nbval-second-kernels

# One line per setting, "setting: unit <pytest summary> | nbval <pytest summary>";
# fails if any setting has a failure.  OMP_NUM_THREADS sets torch's and OpenBLAS's
# thread counts together.
portability: $(STAMP)
	@mkdir -p _build/portability; status=0; for setting in $(KERNEL_MATRIX); do \
	  log=_build/portability/$$setting; vars=$$(echo $$setting | tr , ' '); \
	  env $$vars $(BIN)/python -m pytest tests -q -p no:cacheprovider \
	    > $$log.unit 2>&1 || status=1; \
	  env $$vars $(BIN)/python -m pytest $(NBVAL_OPTS) -q \
	    $(if $(NB),$(NB),$(NOTEBOOKS)) > $$log.nbval 2>&1 || status=1; \
	  echo "$$setting: unit $$(tail -n 1 $$log.unit) | nbval $$(tail -n 1 $$log.nbval)"; \
	done; \
	echo "logs in _build/portability/"; exit $$status

clean:
	rm -rf _build student .pytest_cache .coverage

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

student: $(STAMP)
	$(BIN)/python -m mtlnotes.course.assign notebooks student

# Every full-scale experiment (stored under results/, read by the chapters);
# at most 30 minutes on 2 cores.
.PHONY: experiments
experiments: $(STAMP)
	$(BIN)/python -m mtlnotes.experiments all --scale full --jobs 2
