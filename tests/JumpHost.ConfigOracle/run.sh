#!/usr/bin/env bash
# Usage: run.sh <path of JumpHost.ConfigOracle.dll>
# Copies the corpus (filling in @CORPUS@), then runs the oracle in a private mount namespace where the
# copy's home/ is /root (ssh's passwd home and $HOME) and its etc-ssh/ is /etc/ssh, so that ssh -G and the
# resolver read the corpus and not this machine's files. The namespace has no network either: the corpus's
# ProxyCommands name made-up hosts that ssh would otherwise look up. Needs root (unshare, mount).
set -euo pipefail
oracle=$1
corpus=$(cd "$(dirname "$0")/../JumpHost.Tests/SshConfigCorpus" && pwd)
work=$(mktemp -d /tmp/jumphost-config-oracle.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -a "$corpus" "$work/corpus"
find "$work/corpus" -type f -exec sed -i "s#@CORPUS@#$work/corpus#g" {} +
unshare -m -n sh -c "mount --bind '$work/corpus/home' /root && mount --bind '$work/corpus/etc-ssh' /etc/ssh && HOME=/root exec dotnet '$oracle' '$work/corpus' /root"
