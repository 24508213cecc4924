#!/usr/bin/env bash
# Installs the Python peers (Debian's python3 with uvloop, aiohttp, lxml, Scrapy) used by
# the benchmarks (bench/workloads, bench/crawl). Idempotent: when everything is already
# there it returns at once.
# Never fails the caller: without root or without apt, it says why and exits 0, and
# the harness then prints "skipped: <why>" for the contenders it could not get.
set -u

PY=/usr/bin/python3
PKGS=(python3-uvloop python3-aiohttp python3-lxml python3-scrapy)

if [ -x "$PY" ] && "$PY" -c 'import uvloop, aiohttp, lxml, scrapy' 2>/dev/null; then
  echo "setup-peers: python peers already installed"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "setup-peers: not root, skipping apt-get install of ${PKGS[*]} (python peers may be skipped)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-peers: no apt-get on this machine, skipping (python peers may be skipped)"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -qq; then
  echo "setup-peers: apt-get update failed, skipping (python peers may be skipped)"
  exit 0
fi
if ! apt-get install -y -qq "${PKGS[@]}" >/dev/null; then
  echo "setup-peers: apt-get install ${PKGS[*]} failed (python peers may be skipped)"
  exit 0
fi
echo "setup-peers: installed ${PKGS[*]}"
