#!/usr/bin/env bash
# cli_help.sh — ismapctl's help contract, without a daemon: every command listed by --help has
# its own help (usage, every option its table accepts, examples) through both `CMD --help` and
# `help CMD`; a group alone lists its commands; the exit-status rule is the same in --help, in
# each command's help and in the README; and ismapctl links only the libraries a client needs.
set -u
: "${ISMAPCTL:?run through ctest}" "${ISM_SOURCE_DIR:?}"
tmp=$(mktemp -d /tmp/ismtest-clihelp-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export ISMAP_SOCKET="$tmp/none.sock" # help must never need the daemon

# The system interpreter when there is one: a version-manager shim costs a process per call.
py=/usr/bin/python3; [ -x "$py" ] || py=python3
fails=0 passes=0
ok() { passes=$((passes+1)); }
no() { fails=$((fails+1)); echo "FAIL $*"; }

# ismapctl starts on every command: it loads no library only the daemon's rooms need (libcurl
# is loaded when an https:// URL is used; the providers' descriptions come without their
# collectors: include/ismap/provider.h). Each of these made a start ~2.6 times as long.
if command -v ldd >/dev/null; then
  heavy=$(ldd "$ISMAPCTL" | grep -oE 'lib(curl|sqlite3|pq|xml2|zip|xlsxwriter|microhttpd|pango[^ ]*|cairo)\.so' | sort -u)
  [ -z "$heavy" ] && ok || no "ismapctl links libraries only the daemon needs: $heavy"
fi
"$ISMAPCTL" --help >"$tmp/global" 2>&1 && ok || no "--help exit status"
grep -q "  3  a job waited for" "$tmp/global" && ok || no "--help does not state exit status 3"
grep -q "ismapctl help COMMAND" "$tmp/global" && ok || no "--help does not mention help COMMAND"

# The commands --help lists, and the options each one's table accepts (from the sources).
"$py" - "$tmp/global" "$ISM_SOURCE_DIR/service/cli" >"$tmp/cmds" <<'EOF' || no "listing commands"
import glob, re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
listed = []
for line in lines[lines.index("Commands:") + 1:]:
    if line.startswith("  ") and line[2] != " ":
        listed.append(line[2:20].strip())
specs = {}
pat = re.compile(r'\{"([a-z-]+)",\s*(NULL|"[a-z-]+"),\s*\w+,\s*((?:"[^"]*"\s*)+),\s*\d+,\s*\d+,')
for f in glob.glob(sys.argv[2] + "/cmd_*.c"):
    for m in pat.finditer(open(f, encoding="utf-8").read()):
        name = m.group(1) + ("" if m.group(2) == "NULL" else " " + m.group(2).strip('"'))
        spec = "".join(re.findall(r'"([^"]*)"', m.group(3)))
        specs[name] = [o.rstrip("*=") for o in spec.split(",") if o]
missing = sorted(set(specs) - set(listed))
if missing or len(listed) < 40:
    sys.exit("commands not listed by --help: %s (listed %d)" % (missing, len(listed)))
for name in listed:
    print(name + "\t" + " ".join(specs.get(name, [])))
EOF

# The help text is matched in the shell (a grep per option was a process per check: hundreds);
# "W" is what grep's \b after a name means: a character that is no part of a word, or the end.
W='([^[:alnum:]_]|$)'
n=0
while IFS=$'\t' read -r name opts; do
  n=$((n+1))
  # shellcheck disable=SC2086
  "$ISMAPCTL" $name --help >"$tmp/h1" 2>"$tmp/e1"; st=$?
  [ $st = 0 ] || { no "'$name --help' exits $st"; cat "$tmp/e1"; continue; }
  h=$'\n'$(<"$tmp/h1")$'\n' first=${h#$'\n'} first=${first%%$'\n'*}
  [[ $first =~ ^"Usage: ismapctl $name"$W ]] && ok || { no "'$name --help' is not its own help:"; head -3 "$tmp/h1"; }
  [[ $h == *$'\nExamples:'* ]] && ok || no "'$name --help' has no examples"
  [[ $h == *$'\nExit status: 0 ok'* ]] && ok || no "'$name --help' has no exit status"
  for o in $opts; do
    if [ "$o" = output ]; then [[ $h == *"-o, --output"* ]] && ok || no "'$name --help' does not explain -o"
    else [[ $h =~ "--$o"$W ]] && ok || no "'$name --help' does not explain --$o"; fi
  done
  # shellcheck disable=SC2086
  "$ISMAPCTL" help $name >"$tmp/h2" 2>&1 && cmp -s "$tmp/h1" "$tmp/h2" && ok || no "'help $name' differs from '$name --help'"
done <"$tmp/cmds"
[ "$n" -ge 40 ] && ok || no "only $n commands checked"

# A group alone lists its commands (usage error, on stderr); help GROUP does so on stdout.
"$ISMAPCTL" waiver >"$tmp/out" 2>"$tmp/err"; st=$?
[ $st = 2 ] && ok || no "'waiver' alone exits $st, not 2"
grep -q "unknown command" "$tmp/err" && no "'waiver' alone says unknown command" || ok
for s in add list revoke; do grep -q "waiver $s" "$tmp/err" && ok || no "'waiver' alone does not list 'waiver $s'"; done
"$ISMAPCTL" help waiver >"$tmp/out" 2>&1 && grep -q "waiver revoke" "$tmp/out" && ok || no "'help waiver'"
"$ISMAPCTL" waiver frob >"$tmp/out" 2>"$tmp/err"; st=$?
[ $st = 2 ] && grep -q "waiver add" "$tmp/err" && ok || no "'waiver frob' exits $st or lists nothing"
"$ISMAPCTL" help frobnicate >/dev/null 2>&1; [ $? = 2 ] && ok || no "'help frobnicate' is not a usage error"
"$ISMAPCTL" jobs list --colour >/dev/null 2>"$tmp/err"; [ $? = 2 ] && grep -q "jobs list" "$tmp/err" && ok || no "unknown option"
"$ISMAPCTL" jobs show >/dev/null 2>"$tmp/err"; [ $? = 2 ] && grep -q "usage: ismapctl jobs show ID" "$tmp/err" && ok || no "missing argument"
"$ISMAPCTL" --version --json >"$tmp/out" && "$py" -c 'import json,sys; assert json.load(open(sys.argv[1]))["version"]' "$tmp/out" && ok || no "--version --json"

# The README states the same rule.
grep -q "3 a job waited for" "$ISM_SOURCE_DIR/README.md" && ok || no "README does not state exit status 3"

echo "cli_help: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
