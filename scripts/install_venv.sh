# Sourced by run_app.sh and test.sh: create ./.venv (or $TXMALIGN_VENV) if missing, activate it and
# install txmalign editable with the extras named in $1 (e.g. "gui" or "test").
VENV="${TXMALIGN_VENV:-.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
. "$VENV/bin/activate"
python -m pip install -q --upgrade pip
python -m pip install -q -e ".[$1]"
