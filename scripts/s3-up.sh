#!/usr/bin/env bash
# A real S3-compatible object store on this machine, for the s3:// run store and its tests: s3proxy
# (github.com/gaul/s3proxy, Apache-2.0) with its filesystem backend, from Maven Central (one jar with its
# dependencies, fetched once by `mvn` into .strawberry/bin; about 10 s the first time, 2 s to start after).
#
# Idempotent: fetches the jar if missing, starts the server unless it already runs, creates the bucket, and
# prints the environment a worker or test needs (`eval "$(scripts/s3-up.sh)"`); progress goes to stderr.
# Data: $STRAWBERRY_S3_DATA (default .strawberry/s3). Port: $STRAWBERRY_S3_PORT (default 18333, loopback only).
# Bucket: $STRAWBERRY_S3_BUCKET (default strawberry). The credentials are fixed test ones for this local
# server; a real store's come from its owner. Stop it with scripts/s3-down.sh.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
version="${S3PROXY_VERSION:-2.6.0}"
bin="$root/.strawberry/bin"
jar="$bin/s3proxy-$version.jar"
state="${STRAWBERRY_S3_DATA:-$root/.strawberry/s3}"
port="${STRAWBERRY_S3_PORT:-18333}"
bucket="${STRAWBERRY_S3_BUCKET:-strawberry}"
identity="strawberry"
credential="strawberry-test-secret"
endpoint="http://127.0.0.1:$port"
say() { echo "s3-up: $*" >&2; }
die() { echo "s3-up: $*" >&2; exit 1; }

# Java to run it, Maven to fetch it: Debian's packages when missing and we may install them (root).
need=()
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
[ -s "$jar" ] || command -v mvn >/dev/null || need+=(maven)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    die "needs ${need[*]} (Java 17 or later, and Maven to fetch org.gaul:s3proxy:$version once)"
  fi
fi

# 1. The server: one jar from Maven Central, kept in .strawberry/bin like the Temporal CLI.
if [ ! -s "$jar" ]; then
  say "fetching org.gaul:s3proxy:$version (jar-with-dependencies) from Maven Central"
  mvn -q -B -Dstyle.color=never dependency:get -Dartifact="org.gaul:s3proxy:$version:jar:jar-with-dependencies" -Dtransitive=false >&2 \
    || die "mvn could not fetch org.gaul:s3proxy:$version"
  repo="$HOME/.m2/repository"
  [ -s "$repo/org/gaul/s3proxy/$version/s3proxy-$version-jar-with-dependencies.jar" ] \
    || repo="$(mvn -q -B -Dstyle.color=never help:evaluate -Dexpression=settings.localRepository -DforceStdout 2>/dev/null)"
  mkdir -p "$bin"
  cp "$repo/org/gaul/s3proxy/$version/s3proxy-$version-jar-with-dependencies.jar" "$jar.tmp.$$"
  mv "$jar.tmp.$$" "$jar"
fi

mkdir -p "$state/data"
state="$(cd "$state" && pwd -P)"
pidfile="$state/s3proxy.pid"

answers() { # any HTTP answer from the port (s3proxy answers 403 to an unsigned request)
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$endpoint/" 2>/dev/null || true)"
  [ -n "$code" ] && [ "$code" != "000" ]
}
running() { [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

# 2. Start it unless ours already runs.
if running && answers; then
  say "already running on $endpoint (pid $(cat "$pidfile"))"
else
  if answers; then die "port $port answers but it is not this server (pid file $pidfile); set STRAWBERRY_S3_PORT to a free port"; fi
  cat >"$state/s3proxy.conf" <<EOF
s3proxy.endpoint=$endpoint
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$identity
s3proxy.credential=$credential
jclouds.provider=filesystem-nio2
jclouds.identity=$identity
jclouds.credential=$credential
jclouds.filesystem.basedir=$state/data
EOF
  say "starting s3proxy $version on $endpoint (data in $state/data, log $state/s3proxy.log)"
  setsid java -Xmx256m -jar "$jar" --properties "$state/s3proxy.conf" >"$state/s3proxy.log" 2>&1 < /dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 150); do
    answers && break
    kill -0 "$(cat "$pidfile")" 2>/dev/null || die "s3proxy exited: $(tail -3 "$state/s3proxy.log" | tr '\n' ' ')"
    sleep 0.2
  done
  answers || die "s3proxy did not answer on $endpoint within 30 s: $(tail -3 "$state/s3proxy.log" | tr '\n' ' ')"
fi

# 3. The bucket: with the filesystem backend a bucket is a directory under the data directory.
mkdir -p "$state/data/$bucket"

cat <<EOF
export STRAWBERRY_S3_ENDPOINT=$endpoint
export AWS_ACCESS_KEY_ID=$identity
export AWS_SECRET_ACCESS_KEY=$credential
export AWS_REGION=us-east-1
export STRAWBERRY_RUN_STORE=s3://$bucket/runs
EOF
