# Sourced by the bench scripts. find_python CHECK sets $python to the first of $PYTHON,
# python3 and /usr/bin/python3 for which `python -c CHECK` succeeds, and fails when none does.
find_python() {
  python=""
  for p in ${PYTHON:-} python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null && "$p" -c "$1" 2>/dev/null; then
      python=$p
      return 0
    fi
  done
  return 1
}
