# Sourced by scripts/bench.sh and scripts/loadtest.sh: refuse anything but PostgreSQL, and point BENCH_URL at
# the bench database (BENCH_DB, default svd_bench) on the same server as DATABASE_URL.
case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*|pgsql://*) ;;
  *)
    echo "This runs on PostgreSQL only. Set DATABASE_URL to a PostgreSQL server, for example" >&2
    echo "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make bench" >&2
    echo "(it works in a database of its own there, ${BENCH_DB:-svd_bench}, which it drops and creates)." >&2
    exit 2
    ;;
esac
BENCH_URL=$("$PY" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' \
  "$DATABASE_URL" "${BENCH_DB:-svd_bench}")
export BENCH_URL
