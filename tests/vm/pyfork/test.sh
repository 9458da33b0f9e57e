#!/bin/bash
# tests/vm/pyfork/test.sh: pyfork's host test (make check runs it; root, for a netns). A copy
# started through pyfork must see what `python3 SCRIPT` would: argv, cwd, environment, umask,
# network namespace; end with its exit code or its signal; and anything that is not
# ovs-dpctl.py runs the real interpreter. Prints TAP.
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
"$here/build.sh" || exit 1
client="$repo/build/pyfork/pyfork"
work=$(mktemp -d)
ns=pyfork-test-$$
server= ndb_server=
cleanup() {
	[ -z "$server" ] || kill "$server" 2>/dev/null
	[ -z "$ndb_server" ] || kill "$ndb_server" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cat > "$work/ovs-dpctl.py" <<'PY'
import os, sys, time
print("argv=%s cwd=%s foo=%s umask=%o net=%s pid=%d" % (sys.argv[1:], os.getcwd(),
      os.environ.get("FOO"), os.umask(0), os.readlink("/proc/self/ns/net"), os.getpid()))
sys.stdout.flush()
if sys.argv[1:2] == ["sleep"]:
    time.sleep(60)
sys.exit(int(sys.argv[1]) if sys.argv[1:2] and sys.argv[1].isdigit() else 0)
PY
cp "$work/ovs-dpctl.py" "$work/other.py"
export OVS_RS_PYFORK="$work/sock"
/usr/bin/python3 "$here/pyforkserver.py" "$OVS_RS_PYFORK" "$work/ovs-dpctl.py" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q '^pyforkserver: ready' "$work/server.log" && break; sleep 0.1; done

n=0 failed=0
check() { # check NAME CONDITION-CMD...
	n=$((n + 1))
	if "${@:2}"; then echo "ok $n pyfork_$1"; else echo "not ok $n pyfork_$1"; failed=$((failed + 1)); fi
}
echo "TAP version 13"
echo "1..11"
check server_ready grep -q '^pyforkserver: ready' "$work/server.log"
out=$(cd / && umask 027 && FOO=bar "$client" "$work/ovs-dpctl.py" 7 "a b")
rc=$?
check exit_code [ $rc -eq 7 ]
check context [ "${out%% net=*}" = "argv=['7', 'a b'] cwd=/ foo=bar umask=27" ]
# A copy forked by the server, not the interpreter exec'd in the client: another pid.
"$client" "$work/ovs-dpctl.py" > "$work/fork.out" &
cpid=$!
wait $cpid
fpid=$(sed -n 's/.* pid=//p' "$work/fork.out")
check forked_by_server test -n "$fpid" -a "$fpid" != "$cpid"
ip netns add "$ns"
want=$(ip netns exec "$ns" readlink /proc/self/ns/net)
got=$(ip netns exec "$ns" "$client" "$work/ovs-dpctl.py" | sed -n 's/.* net=\([^ ]*\) .*/\1/p')
check netns [ "$got" = "$want" ]
"$client" "$work/ovs-dpctl.py" sleep > "$work/sleep.out" &
pid=$!
for _ in $(seq 100); do grep -q argv "$work/sleep.out" && break; sleep 0.1; done
kill -TERM $pid
wait $pid
check sigterm_forwarded [ $? -eq 143 ]
# Another script: the real interpreter, in this process (its pid is the client's).
"$client" "$work/other.py" > "$work/other.out" &
opid=$!
wait $opid
check other_script_real_python grep -q "pid=$opid\$" "$work/other.out"
# OVS_RS_PYFORK_SCRIPT names the script served: then that one is forked, ovs-dpctl.py is not.
OVS_RS_PYFORK_SCRIPT=other.py "$client" "$work/other.py" > "$work/other2.out" &
opid=$!
wait $opid
fpid=$(sed -n 's/.* pid=//p' "$work/other2.out")
check named_script_forked test -n "$fpid" -a "$fpid" != "$opid"
OVS_RS_PYFORK_SCRIPT=other.py "$client" "$work/ovs-dpctl.py" > "$work/other3.out" &
opid=$!
wait $opid
check unnamed_script_real_python grep -q "pid=$opid\$" "$work/other3.out"
# A script that imports pyroute2's NDB: in the copy NDB() starts nothing (no thread, no
# netlink dump) until it is used, and then it is the real one.
mkdir "$work/ndb"
cat > "$work/ndb/ovs-dpctl.py" <<'PY'
import sys, threading
from pyroute2 import NDB
ndb = NDB()
print("threads_after_construction=%d" % threading.active_count())
names = sorted(i.ifname for i in ndb.interfaces)
print("interfaces=%s threads_after_use=%d" % (",".join(names), threading.active_count()))
PY
OVS_RS_PYFORK="$work/ndb.sock" /usr/bin/python3 "$here/pyforkserver.py" "$work/ndb.sock" \
	"$work/ndb/ovs-dpctl.py" > "$work/ndb.log" 2>&1 &
ndb_server=$!
for _ in $(seq 300); do grep -q '^pyforkserver: ready' "$work/ndb.log" && break; sleep 0.1; done
check ndb_lazy_until_used grep -q 'NDB lazy' "$work/ndb.log"
ndb_out=$(ip netns exec "$ns" env OVS_RS_PYFORK="$work/ndb.sock" "$client" "$work/ndb/ovs-dpctl.py" 2>&1)
# The copy ran in a fresh netns: its only interface is lo, and using NDB started its thread.
ndb_used() {
	printf '%s\n' "$ndb_out" | grep -qx 'threads_after_construction=1' &&
		printf '%s\n' "$ndb_out" | grep -qE '^interfaces=lo threads_after_use=([2-9]|[1-9][0-9]+)$' ||
		{ echo "# $ndb_out"; false; }
}
check ndb_real_on_use ndb_used
[ $failed -eq 0 ]
