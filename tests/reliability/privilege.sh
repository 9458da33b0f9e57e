#!/bin/bash
# tests/reliability/privilege.sh: R5, privilege (issue 6). In the debug VM, as root, with the
# target module loaded (tests/reliability/run.sh does that).
#   TARGET=ours|upstream MODE=quick|long bash tests/reliability/privilege.sh
# 1. As root: a datapath r5dp with an internal port and a flow.
# 2. As nobody without capabilities (setpriv): the reads (dp/vport/flow GET and dumps, and on
#    upstream meter FEATURES/GET and ct_limit GET) give what root's give; every mutating command
#    of every family (dp, vport, flow NEW/DEL/SET, packet EXECUTE, meter SET/DEL, ct_limit
#    SET/DEL) gets EPERM, and r5dp is unchanged afterwards.
# 3. In a user namespace sharing the initial netns: the same mutations get EPERM.
# 4. In a user namespace with its own netns (GENL_UNS_ADMIN_PERM): the initial netns's r5dp
#    is not found by name or ifindex and cannot be touched; a datapath of its own, with an
#    internal and a veth port, a flow and an execute, is created and deleted.
# 5. As root, the same mutation requests all succeed: the requests are well-formed, so the
#    EPERMs above are the permission check's.
# Deterministic (no SEED: it prints seed=0). The mode does not change anything. One python
# process (an interpreter start costs seconds under TCG): each unprivileged role is a forked
# child that drops to nobody with setuid (clearing its capabilities: checked via CapEff) and,
# for 3 and 4, unshare(CLONE_NEWUSER[|CLONE_NEWNET]) with uid/gid maps as `unshare -r` writes.
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
export TARGET=${TARGET:-ours}
cleanup() {
	ip link show r5dp >/dev/null 2>&1 && /usr/bin/python3 "$REPO/tests/reliability/privilege.py" cleanup r5dp r5dpnew >/dev/null 2>&1
}
trap cleanup EXIT
echo "# R5 privilege: target=$TARGET"
/usr/bin/python3 "$REPO/tests/reliability/privilege.py" run r5dp
