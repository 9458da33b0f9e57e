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
server=
cleanup() {
	[ -z "$server" ] || kill "$server" 2>/dev/null
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
echo "1..9"
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
[ $failed -eq 0 ]
