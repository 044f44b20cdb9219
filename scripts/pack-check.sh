#!/usr/bin/env bash
# Proves that the npm package runs once installed (Node refuses type stripping under node_modules, so it must
# run the JavaScript built into dist/ at pack time): `npm pack`, install the tarball into an empty folder,
# `passerelle analyze` a corpus invoice, then `passerelle start` on a temporary data folder until a deposited
# flow gets its compte-rendu in the partner's retour/. Prints OK/FAIL lines; exits non-zero on any failure.
# Run from anywhere: bash scripts/pack-check.sh   (KEEP=1 keeps the temporary folder for a look afterwards)
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/passerelle-pack-check.XXXXXX")"
failures=0
daemon=''

ok() { echo "OK   $*"; }
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}
finish() {
  if [ -n "$daemon" ]; then kill -KILL -- "-$daemon" 2>/dev/null; fi
  if [ "${KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap finish EXIT
# The installed package must not see this repository's settings or a database meant for the tests.
unset DATABASE_URL PASSERELLE_CONFIG PASSERELLE_DATA PASSERELLE_DB_SCHEMA PASSERELLE_HTTP_PORT PASSERELLE_SFTP_PORT

free_port() { node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
http_up() { node -e "fetch('http://127.0.0.1:$http_port/health').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"; }

# 1. Pack (prepack builds dist/) and look inside the tarball.
mkdir -p "$work/pkg" "$work/app"
if (cd "$repo" && npm pack --pack-destination "$work/pkg" >"$work/pack.log" 2>&1); then
  tgz="$(ls "$work"/pkg/passerelle-*.tgz)"
  ok "npm pack: $(basename "$tgz") ($(du -k "$tgz" | cut -f1) KiB)"
else
  fail "npm pack (log below)"
  cat "$work/pack.log"
  exit 1
fi
tar -tzf "$tgz" | sed 's#^package/##' >"$work/contents.txt"
for f in bin/passerelle.js scripts/check-node.js dist/cli.js dist/schemas/worker.js xsd/CPPStatut.xsd \
  xsd/official/ubl-2.1/maindoc/UBL-Invoice-2.1.xsd; do
  if grep -qx "$f" "$work/contents.txt"; then ok "package holds $f"; else fail "package lacks $f"; fi
done
# Every module of src/ compiled, and every other file of src/ (SQL migrations, schema manifests) copied:
# the code loads them relative to its own file.
missing="$(cd "$repo/src" && find . -type f | sed -e 's#^\./##' -e 's#\.ts$#.js#' | sort | while read -r f; do
  grep -qx "dist/$f" "$work/contents.txt" || echo "dist/$f"
done)"
if [ -z "$missing" ]; then
  ok "package holds dist/ for every file of src/ ($(grep -c '^dist/' "$work/contents.txt") files)"
else
  fail "package lacks $(echo "$missing" | wc -l) dist/ files: $(echo "$missing" | head -5 | tr '\n' ' ')"
fi
if grep -qE '^(src|test|bench)/' "$work/contents.txt"; then
  fail "package ships $(grep -cE '^(src|test|bench)/' "$work/contents.txt") files of src/, test/ or bench/"
else
  ok "package ships no src/, test/ or bench/"
fi

# 2. Install the tarball into an empty folder.
cp "$tgz" "$work/app/"
cd "$work/app" || exit 1
if npm install --no-audit --no-fund "./$(basename "$tgz")" >"$work/install.log" 2>&1; then
  ok "npm install ./$(basename "$tgz") into an empty folder"
else
  fail "npm install (log below)"
  cat "$work/install.log"
  exit 1
fi

# 3. analyze: a valid invoice of the corpus, copied there.
cp "$repo/test/corpus/valid/ubl/cen-ubl-tc434-example1.xml" invoice.xml
if out="$(npx --no-install passerelle analyze invoice.xml 2>&1)"; then
  ok "npx passerelle analyze invoice.xml: exit 0 ($out)"
else
  fail "npx passerelle analyze invoice.xml: exit $? ($out)"
fi

# 3b. analyze a Factur-X PDF: its reader (pdf-lib) is loaded only when a PDF comes, from dist/ here.
cp "$repo/test/corpus/valid/facturx/mustang-EN16931_Einfach.pdf" invoice.pdf
if out="$(npx --no-install passerelle analyze invoice.pdf 2>&1)"; then
  ok "npx passerelle analyze invoice.pdf: exit 0 ($out)"
else
  fail "npx passerelle analyze invoice.pdf: exit $? ($out)"
fi

# 4. start on a temporary data folder with one partner; drop the invoice in depot/, wait for retour/.
http_port="$(free_port)"
sftp_port="$(free_port)"
cat >passerelle.yaml <<EOF
dataDir: $work/app/data
partners:
  - code: PACK01
    name: Pack check
    returnSyntax: CPPStatut
http: { port: $http_port }
sftp: { port: $sftp_port }
schemas: { fetchOnStart: false }
EOF
# setsid: the daemon (npx and node) gets its own process group, stopped as a whole below.
setsid npx --no-install passerelle --config passerelle.yaml start >"$work/daemon.log" 2>&1 &
daemon=$!
# The PID, not the group: right after the fork, setsid may not have made the group yet (a race).
running() { kill -0 "$daemon" 2>/dev/null; }
depot="$work/app/data/mailboxes/PACK01/depot"
retour="$work/app/data/mailboxes/PACK01/retour"
for _ in $(seq 1 120); do
  [ -d "$depot" ] && break
  running || break
  sleep 0.5
done
if [ -d "$depot" ]; then
  ok "passerelle start: mailbox $depot ready (HTTP $http_port, SFTP $sftp_port)"
  cp invoice.xml "$depot/invoice.xml"
  cr=''
  for _ in $(seq 1 120); do
    cr="$(ls "$retour" 2>/dev/null | grep -E '^FEN1200A_CPP[0-9]+\.xml$' | head -1)"
    [ -n "$cr" ] && break
    running || break
    sleep 0.5
  done
  if [ -n "$cr" ]; then
    status="$(grep -o '<IdStatut>[0-9]*</IdStatut>' "$retour/$cr" | head -1)"
    ok "compte-rendu in retour/: $cr $status"
  else
    fail "no compte-rendu in $retour within 60 s$(running || echo ': the daemon exited')"
  fi
elif running; then
  fail "passerelle start: no mailbox $depot within 60 s"
else
  fail "passerelle start exited before its mailboxes were ready"
fi
if http_up; then ok "GET /health on port $http_port"; else fail "GET /health on port $http_port"; fi

# 5. Stop: SIGTERM, and the daemon exits by itself, closing its port.
if running; then
  kill -TERM -- "-$daemon" 2>/dev/null
  for _ in $(seq 1 60); do
    running || break
    sleep 0.5
  done
  if running; then
    fail "daemon still running 30 s after SIGTERM"
  else
    ok "daemon stopped on SIGTERM"
    daemon=''
    if http_up; then fail "port $http_port still answers after the stop"; fi
  fi
fi

if [ "$failures" -ne 0 ]; then
  echo "---- daemon log (last 40 lines)"
  tail -40 "$work/daemon.log"
  echo "FAIL pack check: $failures failure(s)"
  exit 1
fi
echo "OK   pack check passed"
