#!/usr/bin/env bash
# JumpHost test lab: OpenSSH servers in network namespaces, reachable only
# through chains of jump hosts, plus echo/sink TCP services, a name only relay3
# resolves, an sshd that refuses forwarding, an MFA sshd (public key, then a
# TOTP code checked by pam_oath), sshds with host certificates and a user CA.
# See README.md next to this file.
#
#   lab.sh start    build (or rebuild) the lab, write $LAB_DIR/lab.env
#   lab.sh stop     tear everything down (idempotent)
#   lab.sh status   exit 0 if the lab is fully up, 1 otherwise
#
# Environment: JUMPHOST_LAB_DIR (default /tmp/jumphost-lab),
#              JUMPHOST_LAB_KEEP=1 keeps $LAB_DIR on stop (logs for debugging).
set -euo pipefail
# sudo/su may drop the sbin directories (ip, sshd, useradd live there).
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin"
# Close what the caller left open beyond stdio (a `flock` lock file, say), so that
# the long-running servers started below do not hold it for the lab's lifetime.
for fd_path in /proc/$$/fd/*; do
    fd=${fd_path##*/}
    if (( fd > 2 )); then eval "exec $fd>&-" 2>/dev/null || true; fi
done
unset fd fd_path

LAB_DIR="${JUMPHOST_LAB_DIR:-/tmp/jumphost-lab}"
LAB_USER=jhlab
NS_PREFIX=jhlab-
LINK_PREFIX=jhl-          # every veth we create starts with this (max 15 chars)
LAB_NET=10.213.0.0/16     # covers every lab subnet
HOSTS_BEGIN='# BEGIN jumphost-lab'
HOSTS_END='# END jumphost-lab'
MARKER=.jumphost-lab      # proves a directory is ours before we rm -rf it
NETNS_ETC=/etc/netns      # iproute2's per-namespace /etc overlay (see write_relay3_hosts)
READY_TIMEOUT=10          # seconds for all servers to answer

NAMESPACES=(bastion private relay1 relay2 relay3 www)

# Host name -> address (also the /etc/hosts block).
HOST_NAMES=(bastion target1 target2 relay1 relay2 relay3 www)
declare -A HOST_IP=(
    [bastion]=10.213.1.2
    [target1]=10.213.2.11
    [target2]=10.213.2.12
    [relay1]=10.213.11.2
    [relay2]=10.213.12.2
    [relay3]=10.213.13.2
    [www]=10.213.14.2
)
BASTION_SIDE_IP=10.213.2.1   # source address target1/target2 see
RELAY3_SIDE_IP=10.213.14.1   # source address www sees

# A name only relay3's namespace resolves (www's address): SOCKS tests prove
# with it that names are resolved on the far side of the chain.
RELAY3_ONLY_NAME=intranet
RELAY3_ONLY_IP=10.213.14.2

# sshd instances: name -> "namespace address port". A name "<host>-<variant>"
# is a second sshd on <host> (known_hosts lists it as [<host>]:<port>).
# The host name in known_hosts is the one of the address (mfa -> [target2]:2022).
SSHD_NAMES=(bastion bastion-drop target1 target2 relay1 relay1-noforward relay2 relay3 www
            mfa certhost certexpired certwrongname)
MFA_PORT=2022
CERTHOST_PORT=2200
CERTEXPIRED_PORT=2201
CERTWRONGNAME_PORT=2202
declare -A SSHD=(
    [bastion]="bastion 10.213.1.2 22"
    [bastion-drop]="bastion 10.213.1.2 2222"
    [relay1-noforward]="relay1 10.213.11.2 2200"     # AllowTcpForwarding no
    [target1]="private 10.213.2.11 22"
    [target2]="private 10.213.2.12 22"
    [relay1]="relay1 10.213.11.2 22"
    [relay2]="relay2 10.213.12.2 22"
    [relay3]="relay3 10.213.13.2 22"
    [www]="www 10.213.14.2 22"
    [mfa]="private 10.213.2.12 $MFA_PORT"                     # publickey,keyboard-interactive (TOTP)
    [certhost]="private 10.213.2.12 $CERTHOST_PORT"           # host certificate only
    [certexpired]="private 10.213.2.12 $CERTEXPIRED_PORT"     # expired host certificate
    [certwrongname]="private 10.213.2.12 $CERTWRONGNAME_PORT" # certificate for someotherhost
)

# Host certificates (signed by $LAB_DIR/ca/host_ca for the sshd's ed25519 key):
# name -> "principals validity".
declare -A HOST_CERT=(
    [mfa]="target2,10.213.2.12 -1d:+30d"
    [certhost]="target2,10.213.2.12 -1d:+30d"
    [certexpired]="target2,10.213.2.12 -10d:-1d"
    [certwrongname]="someotherhost -1d:+30d"
)
# These have only an ed25519 host key (with its certificate) and are NOT in
# client/known_hosts: a client can trust them only through the host CA.
CERT_ONLY_SSHDS=(certhost certexpired certwrongname)
HOST_CA_PATTERN=target2,10.213.2.12   # the @cert-authority line in client/known_hosts_ca

# MFA: pam_oath checks a TOTP code (RFC 6238, HMAC-SHA1, 30 s, 6 digits) against
# $LAB_DIR/oath/users.oath; codes up to OTP_WINDOW steps before or after now
# are accepted, each step at most once (pam_oath records the last one used).
OTP_WINDOW=5
WWW_HTTP_PORT=80

# TCP test services (Python programs in $LAB_DIR/services/): "<host>-<service>"
# -> "namespace address port". Each logs to logs/<host>.<service>.log.
ECHO_PORT=7               # echoes every byte until the client half-closes
SINK_PORT=9               # reads to EOF, answers "<byte count>\n"
SERVICE_NAMES=(www-echo www-sink target1-echo target1-sink)
declare -A SERVICE=(
    [www-echo]="www 10.213.14.2 $ECHO_PORT"
    [www-sink]="www 10.213.14.2 $SINK_PORT"
    [target1-echo]="private 10.213.2.11 $ECHO_PORT"
    [target1-sink]="private 10.213.2.11 $SINK_PORT"
)

log()  { printf 'lab: %s\n' "$*" >&2; }
die()  { printf 'lab: ERROR: %s\n' "$*" >&2; exit 1; }
step() { CURRENT_STEP="$*"; }
CURRENT_STEP=init

require_root() {
    [[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, sshd, useradd); try: sudo $0 $*"
}

check_lab_dir() {
    [[ $LAB_DIR == /* && $LAB_DIR != / && $LAB_DIR != *[[:space:]]* ]] \
        || die "JUMPHOST_LAB_DIR must be an absolute path other than / without spaces (got '$LAB_DIR')"
}

ns() { echo "${NS_PREFIX}$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }

random_token() { head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9'; }   # ~38 chars
random_hex()   { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }            # $1 bytes

is_cert_only() {
    local n
    for n in "${CERT_ONLY_SSHDS[@]}"; do [[ $n == "$1" ]] && return 0; done
    return 1
}
host_key_types() { if is_cert_only "$1"; then echo ed25519; else echo ed25519 ecdsa rsa; fi; }

# The lab host name of an address (for known_hosts): 10.213.2.12 -> target2.
host_of_ip() {
    local name
    for name in "${HOST_NAMES[@]}"; do
        [[ ${HOST_IP[$name]} == "$1" ]] && { echo "$name"; return 0; }
    done
    return 1
}

# pam_oath.so, wherever this distribution keeps PAM modules.
have_pam_oath() {
    local f
    for f in /usr/lib/*/security/pam_oath.so /lib/*/security/pam_oath.so /usr/lib/security/pam_oath.so /lib/security/pam_oath.so; do
        [[ -e $f ]] && return 0
    done
    return 1
}

# ---------------------------------------------------------------- prerequisites

install_prerequisites() {
    local missing=()
    [[ -x /usr/sbin/sshd ]]     || missing+=(/usr/sbin/sshd)
    [[ -x /usr/bin/python3 ]]   || missing+=(/usr/bin/python3)
    local c
    for c in ssh ssh-keygen ip curl oathtool unshare mount; do
        command -v "$c" >/dev/null 2>&1 || missing+=("$c")
    done
    have_pam_oath || missing+=(pam_oath.so)
    ((${#missing[@]} == 0)) && return 0
    log "installing prerequisites (missing: ${missing[*]})"
    DEBIAN_FRONTEND=noninteractive apt-get update -q \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            openssh-server openssh-client iproute2 python3 curl libpam-oath oathtool util-linux mount \
        || die "apt-get install of prerequisites failed"
    # Debian's postinst may start an sshd on :22 where an init system exists;
    # the lab never uses it, and in containers there is none.
}

# ---------------------------------------------------------------- stop

# True if pid is alive and not a zombie.
alive() {
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z && $state != X ]]
}

# Kill a list of pids: TERM, wait up to ~2 s, then KILL.
KILLED=()
kill_pids() {
    (($# == 0)) && return 0
    KILLED+=("$@")
    kill -TERM "$@" 2>/dev/null || true
    local i p left
    for ((i = 0; i < 20; i++)); do
        left=()
        for p in "$@"; do alive "$p" && left+=("$p"); done
        ((${#left[@]} == 0)) && return 0
        sleep 0.1
    done
    kill -KILL "${left[@]}" 2>/dev/null || true
}

# True if any pid still has a /proc entry (alive or zombie).
any_in_proc() {
    local p
    for p in "$@"; do [[ -e /proc/$p ]] && return 0; done
    return 1
}

lab_namespaces() {
    ip netns list 2>/dev/null | awk '{print $1}' | grep "^${NS_PREFIX}" || true
}

do_stop() {
    local keep=${1:-${JUMPHOST_LAB_KEEP:-0}}
    local n pids pidfile pid

    # 1. Every process in a lab namespace (sshd listeners, sessions, http.server,
    #    echo/sink services). The mfa sshd is one of them; its private mount
    #    namespace (the /etc/pam.d/sshd bind mount) dies with its last process.
    for n in $(lab_namespaces); do
        pids=$(ip netns pids "$n" 2>/dev/null || true)
        # shellcheck disable=SC2086
        kill_pids $pids
    done
    # Belt and braces: a process whose namespace mount is already gone is not
    # listed by `ip netns pids`; find it through its pidfile, but only if its
    # command line still points into this lab.
    if [[ -d $LAB_DIR/run ]]; then
        for pidfile in "$LAB_DIR"/run/*.pid; do
            [[ -f $pidfile ]] || continue
            pid=$(tr -dc 0-9 <"$pidfile")
            if [[ -n $pid ]] && alive "$pid" \
                && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$LAB_DIR/"; then
                kill_pids "$pid"
            fi
        done
    fi

    # 2. Namespaces (their veth ends, and so the pairs, go with them).
    for n in $(lab_namespaces); do
        ip netns delete "$n" 2>/dev/null || log "warning: could not delete namespace $n"
    done
    # Root-side veth ends left by a run that crashed before moving the peer.
    for n in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^${LINK_PREFIX}" || true); do
        ip link delete "$n" 2>/dev/null || true
    done

    # 2b. Per-namespace /etc files (relay3's hosts), and /etc/netns itself if
    #     the lab created it (marker) and nothing else is left in it.
    for n in "$NETNS_ETC/$NS_PREFIX"*; do
        if [[ -e $n ]]; then rm -rf -- "$n"; fi
    done
    if [[ -e $NETNS_ETC/$MARKER ]] && [[ -z $(ls -A "$NETNS_ETC" | grep -vxF "$MARKER") ]]; then
        rm -f -- "$NETNS_ETC/$MARKER"
        rmdir "$NETNS_ETC" 2>/dev/null || true
    fi

    # 3. /etc/hosts block. Rewrite in place (cat >) rather than rename, as
    #    /etc/hosts is often a bind mount in containers.
    if grep -qF "$HOSTS_BEGIN" /etc/hosts 2>/dev/null; then
        local tmp
        tmp=$(mktemp)
        sed "/^${HOSTS_BEGIN}\$/,/^${HOSTS_END}\$/d" /etc/hosts >"$tmp"
        cat "$tmp" >/etc/hosts
        rm -f "$tmp"
    fi

    # 4. Lab user (and its group, if userdel left it).
    if getent passwd "$LAB_USER" >/dev/null; then
        userdel -f "$LAB_USER" 2>/dev/null || log "warning: userdel $LAB_USER failed"
    fi
    if getent group "$LAB_USER" >/dev/null; then
        groupdel "$LAB_USER" 2>/dev/null || true
    fi

    # 5. The guard route goes last: nothing may resolve or route to a lab
    #    address while it is missing (this VM would answer for any address).
    while ip route show "$LAB_NET" 2>/dev/null | grep -q unreachable; do
        ip route delete unreachable "$LAB_NET" 2>/dev/null || break
    done

    # 6. Killed daemons were orphans of PID 1; this sandbox's init reaps them
    #    only after ~1 s. Wait (bounded) so no <defunct> sshd is left behind.
    local i
    for ((i = 0; i < 30; i++)); do
        any_in_proc "${KILLED[@]}" || break
        sleep 0.1
    done

    # 7. Files.
    if [[ $keep != 1 && -d $LAB_DIR ]]; then
        if [[ -e $LAB_DIR/$MARKER ]]; then
            rm -rf -- "$LAB_DIR"
        elif [[ -z $(ls -A "$LAB_DIR") ]]; then
            rmdir "$LAB_DIR"    # e.g. a fresh `mktemp -d` given as JUMPHOST_LAB_DIR
        else
            log "warning: $LAB_DIR has no $MARKER marker; not deleting it"
        fi
    fi
}

# ---------------------------------------------------------------- start

# veth pair between two namespaces ("root" = the root namespace).
# link <nsA> <ifA> <addrA/len> <nsB> <ifB> <addrB/len>
link() {
    local nsa=$1 ifa=$2 addra=$3 nsb=$4 ifb=$5 addrb=$6
    ip link add "$ifa" type veth peer name "$ifb"
    local side n ifn addr
    for side in "$nsa $ifa $addra" "$nsb $ifb $addrb"; do
        read -r n ifn addr <<<"$side"
        if [[ $n == root ]]; then
            ip addr add "$addr" dev "$ifn"
            ip link set "$ifn" up
        else
            ip link set "$ifn" netns "$(ns "$n")"
            in_ns "$n" ip addr add "$addr" dev "$ifn"
            in_ns "$n" ip link set "$ifn" up
        fi
    done
}

build_network() {
    # Guard route FIRST: from here on no lab address can leave the machine.
    # The directly attached /24s below are more specific and still work.
    ip route replace unreachable "$LAB_NET"

    local n
    for n in "${NAMESPACES[@]}"; do
        ip netns add "$(ns "$n")"
        in_ns "$n" ip link set lo up
        # No namespace forwards between its sides (explicit: new namespaces may
        # inherit forwarding from the root namespace on some kernels).
        in_ns "$n" sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'
    done

    #    ns A     if A       addr A           ns B     if B        addr B
    link root    jhl-bas0   10.213.1.1/24    bastion  jhl-bas1    10.213.1.2/24
    link bastion jhl-priv0  10.213.2.1/24    private  jhl-priv1   10.213.2.11/24
    in_ns private ip addr add 10.213.2.12/24 dev jhl-priv1
    link root    jhl-r1a    10.213.11.1/24   relay1   jhl-r1b     10.213.11.2/24
    link relay1  jhl-r2a    10.213.12.1/24   relay2   jhl-r2b     10.213.12.2/24
    link relay2  jhl-r3a    10.213.13.1/24   relay3   jhl-r3b     10.213.13.2/24
    link relay3  jhl-wwwa   10.213.14.1/24   www      jhl-wwwb    10.213.14.2/24
    # No default routes anywhere: each namespace knows only its connected nets.
}

hosts_lines() {
    local name
    for name in "${HOST_NAMES[@]}"; do
        printf '%s %s\n' "${HOST_IP[$name]}" "$name"
    done
}

write_hosts_block() {
    local tmp name
    tmp=$(mktemp)
    cat /etc/hosts >"$tmp"
    # Make sure the block starts on a line of its own.
    [[ -s $tmp && $(tail -c 1 "$tmp" | od -An -c | tr -d ' ') != '\n' ]] && echo >>"$tmp"
    {
        echo "$HOSTS_BEGIN"
        hosts_lines
        echo "$HOSTS_END"
    } >>"$tmp"
    cat "$tmp" >/etc/hosts
    rm -f "$tmp"
    # An earlier /etc/hosts line for the same name would win: check.
    local got
    for name in "${HOST_NAMES[@]}"; do
        got=$(getent ahostsv4 "$name" | awk 'NR==1{print $1}')
        [[ $got == "${HOST_IP[$name]}" ]] \
            || die "/etc/hosts: '$name' resolves to '$got', expected ${HOST_IP[$name]} (conflicting entry?)"
    done
}

# relay3's own /etc/hosts: `ip netns exec` bind-mounts /etc/netns/<ns>/hosts
# over /etc/hosts for what it starts, so relay3's sshd (and every session and
# direct-tcpip/SOCKS connect it makes) resolves $RELAY3_ONLY_NAME; nothing else
# does. Must exist before relay3's sshd starts (the mount is made at exec).
write_relay3_hosts() {
    local dir=$NETNS_ETC/$(ns relay3)
    if [[ ! -d $NETNS_ETC ]]; then
        mkdir -p "$NETNS_ETC"
        touch "$NETNS_ETC/$MARKER"    # stop removes $NETNS_ETC only if we created it
    fi
    mkdir -p "$dir"
    {
        echo "# JumpHost lab: /etc/hosts inside $(ns relay3) only (generated by tests/lab/lab.sh)"
        echo "127.0.0.1 localhost"
        echo "::1 localhost ip6-localhost ip6-loopback"
        hosts_lines
        printf '%s %s\n' "$RELAY3_ONLY_IP" "$RELAY3_ONLY_NAME"
    } >"$dir/hosts"
    chmod 644 "$dir/hosts"
    local got
    got=$({ in_ns relay3 getent ahostsv4 "$RELAY3_ONLY_NAME" || true; } | awk 'NR==1{print $1}')
    [[ $got == "$RELAY3_ONLY_IP" ]] \
        || die "'$RELAY3_ONLY_NAME' resolves to '$got' in $(ns relay3), expected $RELAY3_ONLY_IP"
    # Outside relay3 the name must not resolve (DNS here might know it).
    got=$({ getent ahostsv4 "$RELAY3_ONLY_NAME" || true; } | awk 'NR==1{print $1}')
    [[ -z $got ]] \
        || log "warning: '$RELAY3_ONLY_NAME' also resolves in the root namespace (to $got): tests of far-side name resolution prove less"
}

# RSA 3072 generation dominates start-up time: launch every ssh-keygen in the
# background first and let them run while the network and user are set up.
start_key_generation() {
    local client=$LAB_DIR/client name dir
    random_token >"$client/password"
    random_token >"$client/passphrase"
    chmod 600 "$client/password" "$client/passphrase"

    ssh-keygen -q -t ed25519     -N ''                            -C jumphost-lab -f "$client/id_ed25519" &
    ssh-keygen -q -t ed25519     -N "$(cat "$client/passphrase")" -C jumphost-lab -f "$client/id_ed25519_enc" &
    ssh-keygen -q -t ecdsa       -N ''                            -C jumphost-lab -f "$client/id_ecdsa" &
    ssh-keygen -q -t rsa -b 3072 -N ''                            -C jumphost-lab -f "$client/id_rsa" &
    ssh-keygen -q -t ed25519     -N ''                            -C jumphost-lab -f "$client/id_ed25519_unauthorized" &
    # Authorized only through its user certificate (signed in write_certificates).
    ssh-keygen -q -t ed25519     -N ''                            -C jumphost-lab-cert -f "$client/id_ed25519_cert" &

    # Certificate authorities: one signs host keys, one signs user keys.
    ssh-keygen -q -t ed25519     -N '' -C jumphost-lab-host-ca -f "$LAB_DIR/ca/host_ca" &
    ssh-keygen -q -t ed25519     -N '' -C jumphost-lab-user-ca -f "$LAB_DIR/ca/user_ca" &

    local t
    for name in "${SSHD_NAMES[@]}"; do
        dir=$LAB_DIR/hostkeys/$name
        mkdir -p "$dir"
        for t in $(host_key_types "$name"); do
            case $t in
                rsa) ssh-keygen -q -t rsa -b 3072 -N '' -C "jumphost-lab-$name" -f "$dir/ssh_host_rsa_key" & ;;
                *)   ssh-keygen -q -t "$t"        -N '' -C "jumphost-lab-$name" -f "$dir/ssh_host_${t}_key" & ;;
            esac
        done
    done
}

create_user() {
    mkdir -p "$LAB_DIR/home"
    useradd -d "$LAB_DIR/home/$LAB_USER" -m -s /bin/bash -c "JumpHost lab" "$LAB_USER"
    # chpasswd also unlocks the account (useradd leaves it locked).
    printf '%s:%s\n' "$LAB_USER" "$(cat "$LAB_DIR/client/password")" | chpasswd
}

# After the keys exist: authorized_keys, known_hosts, ssh_config.
write_client_files() {
    local client=$LAB_DIR/client
    chmod 600 "$client"/id_* "$LAB_DIR"/hostkeys/*/*_key "$LAB_DIR"/ca/*_ca

    # sshd reads this as the user (StrictModes no): it must be world-readable.
    cat "$client/id_ed25519.pub" "$client/id_ed25519_enc.pub" "$client/id_ecdsa.pub" "$client/id_rsa.pub" \
        >"$LAB_DIR/authorized_keys"
    chmod 644 "$LAB_DIR/authorized_keys"

    # known_hosts: plain names, port 22 as bare name, others as [host]:port.
    # The cert-only sshds are left out: only the CA vouches for them.
    local name n ip port host alias t kh=$client/known_hosts
    : >"$kh"
    for name in "${SSHD_NAMES[@]}"; do
        is_cert_only "$name" && continue
        read -r n ip port <<<"${SSHD[$name]}"
        alias=$(host_of_ip "$ip")    # bastion-drop -> bastion, mfa -> target2
        [[ $port == 22 ]] && host=$alias || host="[$alias]:$port"
        for t in $(host_key_types "$name"); do
            awk -v h="$host" '{print h, $1, $2}' "$LAB_DIR/hostkeys/$name/ssh_host_${t}_key.pub" >>"$kh"
        done
    done
    cp "$kh" "${kh}_hashed"
    ssh-keygen -q -H -f "${kh}_hashed" >/dev/null 2>&1
    rm -f "${kh}_hashed.old"

    # known_hosts_ca: target2 through the host CA only, plus bastion's plain
    # keys (to get there through bastion). Bare names on purpose: when the
    # server offers a certificate and "[target2]:2200" matches no line, OpenSSH
    # looks again without the port ("checking without port identifier").
    {
        printf '@cert-authority %s ' "$HOST_CA_PATTERN"
        cat "$LAB_DIR/ca/host_ca.pub"
        grep -E '^(bastion|\[bastion\]:[0-9]+) ' "$kh"
    } >"${kh}_ca"
    chmod 644 "$kh" "${kh}_hashed" "${kh}_ca"

    cat >"$client/ssh_config" <<EOF
# OpenSSH client config for manual use: ssh -F $client/ssh_config -J bastion target1
Host *
    User $LAB_USER
    IdentityFile $client/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $client/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    UpdateHostKeys no
    ConnectTimeout 5
EOF
}

# After the keys exist: host certificates for the sshds in HOST_CERT, and the
# user certificate of client/id_ed25519_cert (principal $LAB_USER).
write_certificates() {
    local name principals validity dir
    for name in "${!HOST_CERT[@]}"; do
        read -r principals validity <<<"${HOST_CERT[$name]}"
        dir=$LAB_DIR/hostkeys/$name
        ssh-keygen -q -s "$LAB_DIR/ca/host_ca" -h -I "$name" -n "$principals" -V "$validity" \
            "$dir/ssh_host_ed25519_key.pub" 2>/dev/null \
            || die "could not sign the host key of $name"
    done
    ssh-keygen -q -s "$LAB_DIR/ca/user_ca" -I "$LAB_USER" -n "$LAB_USER" -V -1d:+30d \
        "$LAB_DIR/client/id_ed25519_cert.pub" 2>/dev/null \
        || die "could not sign the user key client/id_ed25519_cert.pub"
    chmod 644 "$LAB_DIR"/ca/*.pub "$LAB_DIR"/hostkeys/*/*-cert.pub "$LAB_DIR"/client/*-cert.pub
}

# MFA: a fresh TOTP secret, pam_oath's users file and the PAM stack that the
# mfa sshd sees as /etc/pam.d/sshd (bind mount in its own mount namespace).
write_oath() {
    local secret
    secret=$(random_hex 20)
    [[ ${#secret} == 40 ]] || die "could not generate an OTP secret"
    echo "$secret" >"$LAB_DIR/client/otp_secret"
    chmod 600 "$LAB_DIR/client/otp_secret"
    # pam_oath rewrites the file (last code used, and when) through a lock
    # file and a temporary file next to it: a root-only directory of its own.
    mkdir -p "$LAB_DIR/oath"
    chmod 700 "$LAB_DIR/oath"
    (umask 077; printf 'HOTP/T30/6 %s - %s\n' "$LAB_USER" "$secret" >"$LAB_DIR/oath/users.oath")
    chown root:root "$LAB_DIR/oath" "$LAB_DIR/oath/users.oath"

    mkdir -p "$LAB_DIR/pam"
    cat >"$LAB_DIR/pam/sshd" <<EOF
# JumpHost lab: /etc/pam.d/sshd as the mfa sshd sees it (a bind mount in its
# own mount namespace; generated by tests/lab/lab.sh). The machine's
# /etc/pam.d/sshd is untouched.
# The one-time password is the only PAM authentication: the public key is
# checked by sshd before (AuthenticationMethods publickey,keyboard-interactive).
auth     required pam_oath.so usersfile=$LAB_DIR/oath/users.oath window=$OTP_WINDOW digits=6
account  required pam_permit.so
session  required pam_permit.so
password required pam_deny.so
EOF
    chmod 644 "$LAB_DIR/pam/sshd"
}

# wait for all background jobs; fail if any failed.
wait_all() {
    local what=$1 pid rc=0
    for pid in $(jobs -p); do wait "$pid" || rc=1; done
    ((rc == 0)) || die "$what failed"
}

write_sshd_config() {
    local name=$1 ip=$2 port=$3 dir=$LAB_DIR/hostkeys/$1 forwarding=yes t
    local usepam=no password=yes kbdint=no methods=any
    [[ $name == *-noforward ]] && forwarding=no   # for "administratively prohibited" tests
    # mfa: a key, then a one-time password through PAM (pam_oath).
    [[ $name == mfa ]] && usepam=yes password=no kbdint=yes methods=publickey,keyboard-interactive
    {
        echo "# JumpHost lab sshd '$name' (generated by tests/lab/lab.sh)"
        echo "ListenAddress $ip:$port"
        for t in $(host_key_types "$name"); do echo "HostKey $dir/ssh_host_${t}_key"; done
        if [[ -n ${HOST_CERT[$name]:-} ]]; then
            echo "HostCertificate $dir/ssh_host_ed25519_key-cert.pub"
        fi
    } >"$LAB_DIR/config/$name.sshd_config"
    cat >>"$LAB_DIR/config/$name.sshd_config" <<EOF
PidFile $LAB_DIR/run/$name.pid
AuthorizedKeysFile $LAB_DIR/authorized_keys
# Keys with a certificate from the lab's user CA (principal $LAB_USER) log in too.
TrustedUserCAKeys $LAB_DIR/ca/user_ca.pub
# authorized_keys lives under /tmp, which StrictModes would reject.
StrictModes no
UsePAM $usepam
PasswordAuthentication $password
KbdInteractiveAuthentication $kbdint
AuthenticationMethods $methods
PubkeyAuthentication yes
PermitRootLogin no
AllowUsers $LAB_USER
AllowTcpForwarding $forwarding
GatewayPorts no
PermitOpen any
X11Forwarding no
# VERBOSE logs "Connection from <ip>" and "Accepted publickey for ... from <ip>".
LogLevel VERBOSE
MaxStartups 200
MaxSessions 64
ClientAliveInterval 0
Subsystem sftp internal-sftp
PrintMotd no
# "none" is only a variable-name pattern no client sends: no environment accepted.
AcceptEnv none
EOF
}

start_sshds() {
    mkdir -p /run/sshd   # privilege-separation directory sshd insists on
    chmod 755 /run/sshd
    local name n ip port wrap
    local -A pids=()
    [[ -f /etc/pam.d/sshd ]] || die "/etc/pam.d/sshd is missing (openssh-server): the mfa sshd needs it as a bind-mount target"
    # All at once: each sshd loads its keys, binds, daemonizes and returns.
    for name in "${SSHD_NAMES[@]}"; do
        read -r n ip port <<<"${SSHD[$name]}"
        write_sshd_config "$name" "$ip" "$port"
        wrap=()
        if [[ $name == mfa ]]; then
            # A private mount namespace (propagation private: nothing leaks to
            # the machine) where /etc/pam.d/sshd is the lab's pam_oath stack.
            # `ip netns exec` then makes its own mount namespace from this one,
            # so the bind mount stays; sshd daemonizes inside and writes its
            # pidfile as every other. The namespace ends with its last process.
            wrap=(unshare --mount --propagation private
                  sh -c 'mount --bind "$1" /etc/pam.d/sshd && shift && exec "$@"' sh "$LAB_DIR/pam/sshd")
        fi
        # sshd daemonizes after binding; -E keeps its log out of syslog.
        "${wrap[@]}" ip netns exec "$(ns "$n")" \
            /usr/sbin/sshd -f "$LAB_DIR/config/$name.sshd_config" -E "$LAB_DIR/logs/$name.sshd.log" \
            </dev/null >>"$LAB_DIR/logs/$name.sshd.log" 2>&1 9>&- &
        pids[$name]=$!
    done
    for name in "${SSHD_NAMES[@]}"; do
        wait "${pids[$name]}" \
            || die "sshd '$name' did not start: $(tail -n 5 "$LAB_DIR/logs/$name.sshd.log" 2>/dev/null)"
    done
}

# The mfa sshd must see the lab's PAM stack (/proc/<pid>/root is the file
# system as that process sees it), and the machine must not. Prints what is
# wrong and fails. Call once the sshd answers: it writes its pidfile after
# daemonizing, before it accepts connections.
mfa_pam_problem() {
    local pid
    pid=$(tr -dc 0-9 2>/dev/null <"$LAB_DIR/run/mfa.pid" || true)
    if [[ -z $pid ]] || ! alive "$pid"; then
        echo "sshd 'mfa' is not running (pidfile $LAB_DIR/run/mfa.pid)"
    elif ! grep -qF "$LAB_DIR/oath/users.oath" "/proc/$pid/root/etc/pam.d/sshd" 2>/dev/null; then
        echo "sshd 'mfa' (pid $pid) does not see $LAB_DIR/pam/sshd as /etc/pam.d/sshd"
    elif grep -qF "$LAB_DIR/oath/users.oath" /etc/pam.d/sshd 2>/dev/null; then
        echo "the machine's /etc/pam.d/sshd shows the lab's PAM stack (bind mount leaked)"
    else
        return 1
    fi
}

start_www() {
    local token=$1
    mkdir -p "$LAB_DIR/www"
    printf '<!doctype html>\n<title>JumpHost lab</title>\n<pre>\nJumpHost lab www\n%s\n</pre>\n' "$token" \
        >"$LAB_DIR/www/index.html"
    # setsid: detach from the caller's terminal/session; all fds redirected so
    # a caller capturing our output does not wait for the server to exit.
    # -u: the "Serving HTTP" line on stdout shows up at once in the log too.
    setsid ip netns exec "$(ns www)" /usr/bin/python3 -u -m http.server "$WWW_HTTP_PORT" \
        --bind "${HOST_IP[www]}" --directory "$LAB_DIR/www" \
        </dev/null >>"$LAB_DIR/logs/www.http.log" 2>&1 9>&- &
    echo $! >"$LAB_DIR/run/www-http.pid"
}

# TCP test services for port-forwarding tests. Small Python programs so that
# nothing beyond python3 is needed; each serves on one address and port and
# logs one line per connection ("Connection from <ip> port <port>").
write_services() {
    local dir=$LAB_DIR/services
    mkdir -p "$dir"

    cat >"$dir/echo.py" <<'EOF'
"""JumpHost lab echo service (generated by tests/lab/lab.sh).

usage: python3 echo.py ADDRESS PORT

Echoes every byte back as it arrives until the client closes its sending side,
then closes. A client that sends much must read at the same time.
"""
import socket, socketserver, sys, threading, time

_lock = threading.Lock()

def log(msg):
    with _lock:
        sys.stdout.write(time.strftime("%Y-%m-%dT%H:%M:%S ") + msg + "\n")
        sys.stdout.flush()

class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        host, port = self.client_address[:2]
        log("Connection from %s port %d" % (host, port))
        sock = self.request
        buf = bytearray(64 * 1024)
        view = memoryview(buf)
        while True:
            n = sock.recv_into(buf)
            if not n:
                break
            sock.sendall(view[:n])
        # socketserver then shuts down the sending side and closes.

class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        log("Error from %s port %d: %r" % (client_address[0], client_address[1], sys.exc_info()[1]))

if __name__ == "__main__":
    address, port = sys.argv[1], int(sys.argv[2])
    with Server((address, port), Handler) as server:
        log("echo listening on %s port %d" % (address, port))
        server.serve_forever()
EOF

    cat >"$dir/sink.py" <<'EOF'
"""JumpHost lab sink service (generated by tests/lab/lab.sh).

usage: python3 sink.py ADDRESS PORT

Reads until the client closes its sending side, then answers with the number
of bytes received in decimal followed by "\n", and closes. Reads 1 MiB at a
time so that it is not the bottleneck of a throughput test.
"""
import socket, socketserver, sys, threading, time

_lock = threading.Lock()

def log(msg):
    with _lock:
        sys.stdout.write(time.strftime("%Y-%m-%dT%H:%M:%S ") + msg + "\n")
        sys.stdout.flush()

class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        host, port = self.client_address[:2]
        log("Connection from %s port %d" % (host, port))
        sock = self.request
        buf = bytearray(1024 * 1024)
        total = 0
        while True:
            n = sock.recv_into(buf)
            if not n:
                break
            total += n
        sock.sendall(b"%d\n" % total)

class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        log("Error from %s port %d: %r" % (client_address[0], client_address[1], sys.exc_info()[1]))

if __name__ == "__main__":
    address, port = sys.argv[1], int(sys.argv[2])
    with Server((address, port), Handler) as server:
        log("sink listening on %s port %d" % (address, port))
        server.serve_forever()
EOF

    # Readiness probe for both: run inside the service's namespace, bound to
    # the service's own address (so a probe never looks like a test's hop).
    cat >"$dir/probe.py" <<'EOF'
"""JumpHost lab readiness probe: python3 probe.py echo|sink ADDRESS PORT"""
import socket, sys

kind, address, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
payload = b"jumphost-lab-probe\n"
expected = payload if kind == "echo" else b"%d\n" % len(payload)
try:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(1)
    sock.bind((address, 0))
    sock.connect((address, port))
    sock.sendall(payload)
    sock.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            break
        got += chunk
    sys.exit(0 if got == expected else 1)
except OSError:
    sys.exit(1)
EOF
}

start_services() {
    local name n ip port host service
    for name in "${SERVICE_NAMES[@]}"; do
        read -r n ip port <<<"${SERVICE[$name]}"
        host=${name%-*} service=${name##*-}
        # As start_www: detached, every fd redirected, lock fd closed.
        setsid ip netns exec "$(ns "$n")" /usr/bin/python3 -u "$LAB_DIR/services/$service.py" "$ip" "$port" \
            </dev/null >>"$LAB_DIR/logs/$host.$service.log" 2>&1 9>&- &
        echo $! >"$LAB_DIR/run/$name.pid"
    done
}

# Read the SSH banner from inside the server's own namespace, so the probe's
# source address (the server's own) never looks like a test's hop.
probe_sshd() {
    local n=$1 ip=$2 port=$3
    ip netns exec "$(ns "$n")" timeout 2 bash -c '
        exec 3<>"/dev/tcp/$1/$2" || exit 1
        IFS= read -r -t 1 line <&3 || exit 1
        [[ $line == SSH-2.0* ]]' _ "$ip" "$port" 2>/dev/null
}

probe_www() {
    local token=$1
    ip netns exec "$(ns www)" curl --noproxy '*' -s -m 1 "http://${HOST_IP[www]}:$WWW_HTTP_PORT/" 2>/dev/null \
        | grep -qF "$token"
}

# probe_service <namespace> <address> <port> echo|sink
probe_service() {
    local n=$1 ip=$2 port=$3 kind=$4
    ip netns exec "$(ns "$n")" timeout 2 /usr/bin/python3 "$LAB_DIR/services/probe.py" "$kind" "$ip" "$port" \
        </dev/null >/dev/null 2>&1
}

now() { echo "${EPOCHREALTIME/./}"; }   # microseconds

# until_ready <deadline> <message> <probe...>: retry the probe until it
# succeeds; at the deadline log the message and fail.
until_ready() {
    local deadline=$1 message=$2
    shift 2
    until "$@"; do
        (($(now) < deadline)) || { log "$message"; return 1; }
        sleep 0.05
    done
}

# Probe every server at once (background jobs), then check the mfa sshd's PAM.
wait_ready() {
    local token=$1 deadline=$(($(now) + READY_TIMEOUT * 1000000))
    local name n ip port pid rc=0 pids=()
    for name in "${SSHD_NAMES[@]}"; do
        read -r n ip port <<<"${SSHD[$name]}"
        until_ready "$deadline" \
            "sshd '$name' ($ip:$port in $(ns "$n")) sent no SSH banner within ${READY_TIMEOUT}s; log: $LAB_DIR/logs/$name.sshd.log" \
            probe_sshd "$n" "$ip" "$port" &
        pids+=($!)
    done
    until_ready "$deadline" \
        "web server ${HOST_IP[www]}:$WWW_HTTP_PORT did not answer within ${READY_TIMEOUT}s; log: $LAB_DIR/logs/www.http.log" \
        probe_www "$token" &
    pids+=($!)
    for name in "${SERVICE_NAMES[@]}"; do
        read -r n ip port <<<"${SERVICE[$name]}"
        until_ready "$deadline" \
            "${name##*-} service $ip:$port in $(ns "$n") did not answer within ${READY_TIMEOUT}s; log: $LAB_DIR/logs/${name%-*}.${name##*-}.log" \
            probe_service "$n" "$ip" "$port" "${name##*-}" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
    ((rc == 0)) || die "not every server answered (see above)"
    local problem
    if problem=$(mfa_pam_problem); then die "$problem"; fi
}

write_env() {
    local token=$1 c=$LAB_DIR/client name
    {
        echo "LAB_DIR=$LAB_DIR"
        echo "LAB_USER=$LAB_USER"
        echo "LAB_PASSWORD_FILE=$c/password"
        echo "LAB_KEY=$c/id_ed25519"
        echo "LAB_KEY_ENC=$c/id_ed25519_enc"
        echo "LAB_KEY_PASSPHRASE_FILE=$c/passphrase"
        echo "LAB_KEY_ECDSA=$c/id_ecdsa"
        echo "LAB_KEY_RSA=$c/id_rsa"
        echo "LAB_KEY_UNAUTHORIZED=$c/id_ed25519_unauthorized"
        echo "LAB_KNOWN_HOSTS=$c/known_hosts"
        echo "LAB_KNOWN_HOSTS_HASHED=$c/known_hosts_hashed"
        echo "LAB_SSH_CONFIG=$c/ssh_config"
        echo "LAB_LOG_DIR=$LAB_DIR/logs"
        echo "LAB_WWW_TOKEN=$token"
        echo "LAB_DROP_PIDFILE=$LAB_DIR/run/bastion-drop.pid"
        echo "LAB_DROP_PORT=2222"
        for name in "${HOST_NAMES[@]}"; do
            echo "LAB_IP_${name^^}=${HOST_IP[$name]}"
        done
        echo "LAB_BASTION_SIDE_IP=$BASTION_SIDE_IP"
        echo "LAB_RELAY3_SIDE_IP=$RELAY3_SIDE_IP"
        echo "LAB_ECHO_PORT=$ECHO_PORT"
        echo "LAB_SINK_PORT=$SINK_PORT"
        echo "LAB_RELAY3_ONLY_NAME=$RELAY3_ONLY_NAME"
        echo "LAB_NOFORWARD_PORT=2200"
        echo "LAB_MFA_PORT=$MFA_PORT"
        echo "LAB_OTP_SECRET=$(cat "$c/otp_secret")"
        echo "LAB_OTP_WINDOW=$OTP_WINDOW"
        echo "LAB_KNOWN_HOSTS_CA=$c/known_hosts_ca"
        echo "LAB_HOST_CA_PUB=$LAB_DIR/ca/host_ca.pub"
        echo "LAB_CERTHOST_PORT=$CERTHOST_PORT"
        echo "LAB_CERTEXPIRED_PORT=$CERTEXPIRED_PORT"
        echo "LAB_CERTWRONGNAME_PORT=$CERTWRONGNAME_PORT"
        echo "LAB_KEY_CERT=$c/id_ed25519_cert"
        echo "LAB_KEY_CERT_CERTIFICATE=$c/id_ed25519_cert-cert.pub"
        echo "LAB_USER_CA_PUB=$LAB_DIR/ca/user_ca.pub"
    } >"$LAB_DIR/lab.env.tmp"
    mv "$LAB_DIR/lab.env.tmp" "$LAB_DIR/lab.env"
}

do_start() {
    install_prerequisites
    step "cleaning up a previous run"
    do_stop 0        # always a fresh lab, even with JUMPHOST_LAB_KEEP=1
    if [[ -e $LAB_DIR ]]; then
        die "$LAB_DIR exists and is not a lab directory (no $MARKER); remove it or set JUMPHOST_LAB_DIR"
    fi

    # From here on, a failure leaves a half-built lab: say which step failed.
    trap 'rc=$?; ((rc)) && log "start failed during: $CURRENT_STEP (run: $0 stop)"; exit $rc' EXIT

    step "creating $LAB_DIR"
    mkdir -p "$LAB_DIR"
    chmod 755 "$LAB_DIR"   # the lab user must traverse it (authorized_keys, home)
    touch "$LAB_DIR/$MARKER"
    mkdir -p "$LAB_DIR"/{config,run,logs,client,hostkeys,www,services,ca}

    step "generating keys"
    start_key_generation
    step "network namespaces and links"
    build_network
    step "/etc/hosts block"
    write_hosts_block
    step "relay3's own /etc/hosts ($NETNS_ETC/$(ns relay3)/hosts)"
    write_relay3_hosts
    step "lab user"
    create_user
    step "generating keys"
    wait_all "key generation (ssh-keygen)"
    step "authorized_keys, known_hosts, ssh_config"
    write_client_files
    step "host and user certificates"
    write_certificates
    step "OTP secret, pam_oath users file, PAM stack of the mfa sshd"
    write_oath
    step "starting sshd instances"
    start_sshds
    step "starting web server"
    local token
    token=$(random_token)
    start_www "$token"
    step "starting echo and sink services"
    write_services
    start_services
    step "waiting for servers"
    wait_ready "$token"
    step "writing lab.env"
    write_env "$token"
    trap - EXIT

    cat <<EOF
JumpHost lab is up ($LAB_DIR)
  root -- bastion ${HOST_IP[bastion]} (sshd :22, drop sshd :2222) -- target1 ${HOST_IP[target1]} (echo :$ECHO_PORT, sink :$SINK_PORT), target2 ${HOST_IP[target2]}
          target2 also: mfa sshd :$MFA_PORT (key + TOTP), host-certificate sshds :$CERTHOST_PORT (good), :$CERTEXPIRED_PORT (expired), :$CERTWRONGNAME_PORT (wrong name)
  root -- relay1 ${HOST_IP[relay1]} (no-forward sshd :2200) -- relay2 ${HOST_IP[relay2]} -- relay3 ${HOST_IP[relay3]} ('$RELAY3_ONLY_NAME' resolves here only)
          -- www ${HOST_IP[www]} (sshd :22, http :80, echo :$ECHO_PORT, sink :$SINK_PORT)
  env:  $LAB_DIR/lab.env
  try:  ssh -F $LAB_DIR/client/ssh_config -J bastion target1 hostname
        ssh -F $LAB_DIR/client/ssh_config -J relay1,relay2,relay3 www 'echo ok'
EOF
}

# ---------------------------------------------------------------- status

do_status() {
    local ok=1 name n ip port pid token=
    report() { printf '  %-4s %s\n' "$1" "$2"; [[ $1 == ok ]] || ok=0; }

    echo "JumpHost lab status ($LAB_DIR)"
    if ip route show "$LAB_NET" 2>/dev/null | grep -q unreachable; then
        report ok "guard route: unreachable $LAB_NET"
    else
        report FAIL "guard route: unreachable $LAB_NET missing"
    fi
    for n in "${NAMESPACES[@]}"; do
        if ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$(ns "$n")"; then
            report ok "namespace $(ns "$n")"
        else
            report FAIL "namespace $(ns "$n") missing"
        fi
    done
    if grep -qF "$HOSTS_BEGIN" /etc/hosts 2>/dev/null; then report ok "/etc/hosts block"; else report FAIL "/etc/hosts block missing"; fi
    if getent passwd "$LAB_USER" >/dev/null; then report ok "user $LAB_USER"; else report FAIL "user $LAB_USER missing"; fi
    if [[ -f $LAB_DIR/lab.env ]]; then
        report ok "lab.env"
        token=$(sed -n 's/^LAB_WWW_TOKEN=//p' "$LAB_DIR/lab.env")
    else
        report FAIL "lab.env missing"
    fi
    for name in "${SSHD_NAMES[@]}"; do
        read -r n ip port <<<"${SSHD[$name]}"
        pid=$(tr -dc 0-9 2>/dev/null <"$LAB_DIR/run/$name.pid" || true)
        if [[ -n $pid ]] && alive "$pid" && ip netns list 2>/dev/null | grep -q "^$(ns "$n")\b" \
            && probe_sshd "$n" "$ip" "$port"; then
            report ok "sshd $name $ip:$port (pid $pid)"
        else
            report FAIL "sshd $name $ip:$port not answering${pid:+ (pid $pid)}"
        fi
    done
    local problem
    if problem=$(mfa_pam_problem); then
        report FAIL "$problem"
    else
        report ok "sshd mfa authenticates through $LAB_DIR/pam/sshd (pam_oath); /etc/pam.d/sshd untouched"
    fi
    pid=$(tr -dc 0-9 2>/dev/null <"$LAB_DIR/run/www-http.pid" || true)
    if [[ -n $token && -n $pid ]] && alive "$pid" && probe_www "$token"; then
        report ok "http ${HOST_IP[www]}:$WWW_HTTP_PORT (pid $pid)"
    else
        report FAIL "http ${HOST_IP[www]}:$WWW_HTTP_PORT not answering"
    fi
    for name in "${SERVICE_NAMES[@]}"; do
        read -r n ip port <<<"${SERVICE[$name]}"
        pid=$(tr -dc 0-9 2>/dev/null <"$LAB_DIR/run/$name.pid" || true)
        if [[ -n $pid ]] && alive "$pid" && [[ -f $LAB_DIR/services/probe.py ]] \
            && probe_service "$n" "$ip" "$port" "${name##*-}"; then
            report ok "${name##*-} ${name%-*} $ip:$port (pid $pid)"
        else
            report FAIL "${name##*-} ${name%-*} $ip:$port not answering${pid:+ (pid $pid)}"
        fi
    done
    if [[ $(in_ns relay3 getent ahostsv4 "$RELAY3_ONLY_NAME" 2>/dev/null | awk 'NR==1{print $1}') == "$RELAY3_ONLY_IP" ]]; then
        report ok "'$RELAY3_ONLY_NAME' resolves in $(ns relay3)"
    else
        report FAIL "'$RELAY3_ONLY_NAME' does not resolve in $(ns relay3) ($NETNS_ETC/$(ns relay3)/hosts)"
    fi
    if ((ok)); then echo "lab is up"; return 0; fi
    echo "lab is NOT fully up"
    return 1
}

# ---------------------------------------------------------------- main

# Namespaces, user, route and hosts block are machine-wide: serialize start/stop
# across callers (e.g. test runs in parallel). Daemons get fd 9 closed so they
# never hold the lock.
LOCK_FILE=/run/jumphost-lab.lock
take_lock() {
    exec 9>"$LOCK_FILE"
    flock -w 120 9 || die "another lab.sh start/stop holds $LOCK_FILE"
}

main() {
    local cmd=${1:-}
    case $cmd in
        start)  require_root "$@"; check_lab_dir; take_lock; do_start ;;
        stop)   require_root "$@"; check_lab_dir; take_lock; do_stop; echo "JumpHost lab stopped" ;;
        status) require_root "$@"; check_lab_dir; do_status ;;
        *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
    esac
}

main "$@"
