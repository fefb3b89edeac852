#!/usr/bin/env bash
# Execute every notebook (notebooks/*.ipynb) headless with nbconvert and the committed tslab kernel.
#
#   scripts/run-notebooks.sh             check: execute into a temporary folder; fail if any cell errors
#   scripts/run-notebooks.sh --update    re-execute in place, refreshing the saved outputs (commit them)
#   scripts/run-notebooks.sh [--update] notebooks/01-quick-start.ipynb …   only these notebooks
#
# Needs `jupyter-nbconvert` (Debian: apt-get install -y --no-install-recommends jupyter-nbconvert),
# `npm ci` (tslab is a devDependency) and Chromium for the figures (see findBrowser).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=check
if [[ "${1:-}" == "--update" ]]; then
  mode=update
  shift
fi
if [[ $# -gt 0 ]]; then notebooks=("$@"); else notebooks=(notebooks/*.ipynb); fi

if ! command -v jupyter-nbconvert >/dev/null 2>&1; then
  echo "run-notebooks: jupyter-nbconvert not found; install it with: sudo apt-get install -y --no-install-recommends jupyter-nbconvert" >&2
  exit 1
fi
if [[ ! -f node_modules/tslab/bin/tslab ]]; then
  echo "run-notebooks: node_modules/tslab missing; run npm ci first" >&2
  exit 1
fi

# The notebooks import the built library (./dist), which tslab loads as typed JavaScript.
npm run build --silent

# The kernelspec tslab-repo (notebooks/jupyter/kernels/) starts tslab from the repository root.
export JUPYTER_PATH="$PWD/notebooks/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
# The saved outputs are the ones to look at on GitHub: no timing metadata that changes on every run.
# --allow-errors: nbconvert runs every cell and saves what tslab said (its errors arrive as stderr text,
# which nbconvert's own message leaves out); notebook-errors.mjs then lists the failed cells.
common=(--to notebook --execute --allow-errors --ExecutePreprocessor.timeout=900 --ExecutePreprocessor.record_timing=False)

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
failed=0
for nb in "${notebooks[@]}"; do
  start=$SECONDS
  name="$(basename "$nb")"
  if jupyter-nbconvert "${common[@]}" --output-dir "$out" "$nb" >"$out/log" 2>&1 && node scripts/notebook-errors.mjs "$out/$name"; then
    # A notebook is only overwritten by a clean run.
    if [[ "$mode" == update ]]; then cp "$out/$name" "$nb"; fi
    echo "notebook executed: $nb ($((SECONDS - start)) s)"
  else
    failed=1
    echo "notebook FAILED: $nb ($((SECONDS - start)) s)"
    [[ -f "$out/$name" ]] || tail -n 20 "$out/log" | sed 's/^/    /'
  fi
done
exit "$failed"
