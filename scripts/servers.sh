#!/usr/bin/env bash
# Shared by scripts/test.sh and scripts/soak.sh: the real nats-server and beanstalkd that the
# integration and fault tests start, and the chromium the dashboard's browser tests drive,
# installed with apt-get when missing and running as root.
# Sourced, not run.
missing=()
command -v nats-server >/dev/null || missing+=(nats-server)
command -v beanstalkd >/dev/null || missing+=(beanstalkd)
command -v chromium >/dev/null || missing+=(chromium)
# The x-queue README's shell examples pipe --json output through jq, as its readers would.
command -v jq >/dev/null || missing+=(jq)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; }
  else
    echo "The tests need real servers and a browser: ${missing[*]} not found on PATH." >&2
    echo "Install them, e.g.: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
