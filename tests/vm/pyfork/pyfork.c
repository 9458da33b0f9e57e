// SPDX-License-Identifier: GPL-2.0
/*
 * tests/vm/pyfork/pyfork.c: the guest's `python3` for upstream's kselftest (tests/vm/selftest.sh
 * puts it first on the kselftest's PATH). No upstream counterpart: a test-harness tool.
 *
 * Under TCG every start of ovs-dpctl.py spends seconds importing pyroute2 (README, "Python in
 * the guest"), longer than the kselftest's fixed 10 s waits. So a server (pyforkserver.py)
 * imports what ovs-dpctl.py imports once, and this client has it fork a copy that runs the
 * script as this process would have: same argv, cwd, environment, umask, stdin/stdout/stderr,
 * network and mount namespace (`ip netns exec` runs it in both). Signals sent to this
 * process go to the copy, and this process ends as the copy ended (exit code or signal).
 *
 * The server also makes pyroute2's NDB lazy in the copies (built on first use; see
 * pyforkserver.py).
 * Anything else (another script, no server, not root) runs the real interpreter, unchanged.
 * OVS_RS_PYFORK_SCRIPT names another script than ovs-dpctl.py (tests/vm/run.sh serves genl.py).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define REAL_PYTHON "/usr/bin/python3"

extern char **environ;
static volatile pid_t worker;

static void run_real(char **argv)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	argv[0] = REAL_PYTHON;
	execv(REAL_PYTHON, argv);
	perror("pyfork: exec " REAL_PYTHON);
	_exit(127);
}

static void forward(int sig)
{
	if (worker > 0)
		kill(worker, sig);
}

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Appends a NUL-terminated string to the request buffer. */
static int put(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s) + 1;

	if (*len + n > *cap) {
		size_t ncap = (*cap + n) * 2;
		char *nb = realloc(*buf, ncap);

		if (!nb)
			return -1;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	return 0;
}

int main(int argc, char **argv)
{
	const char *sock_path = getenv("OVS_RS_PYFORK");
	const char *script = argc > 1 ? strrchr(argv[1], '/') : NULL;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char *buf = NULL, num[32], cwd[4096];
	size_t len = 0, cap = 0;
	int fds[5], sock, i, envc = 0;
	uint32_t hdr, status;
	mode_t mask;

	/* OVS_RS_PYFORK_SCRIPT: the script (base name) the server was started for. */
	const char *served = getenv("OVS_RS_PYFORK_SCRIPT");

	script = script ? script + 1 : (argc > 1 ? argv[1] : "");
	if (!served)
		served = "ovs-dpctl.py";
	if (!sock_path || geteuid() != 0 || strcmp(script, served) != 0 ||
	    strlen(sock_path) >= sizeof(addr.sun_path))
		run_real(argv);

	{
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGHUP);
		sigaddset(&set, SIGQUIT);
		sigaddset(&set, SIGUSR1);
		sigaddset(&set, SIGUSR2);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(addr.sun_path, sock_path);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		run_real(argv);
	if (!getcwd(cwd, sizeof(cwd)))
		run_real(argv);

	/* Request: cwd, umask, argc, argv..., envc, env... (NUL-terminated strings). */
	mask = umask(0);
	umask(mask);
	snprintf(num, sizeof(num), "%o", (unsigned int)mask);
	while (environ[envc])
		envc++;
	if (put(&buf, &len, &cap, cwd) || put(&buf, &len, &cap, num))
		return 127;
	snprintf(num, sizeof(num), "%d", argc - 1);
	if (put(&buf, &len, &cap, num))
		return 127;
	for (i = 1; i < argc; i++)
		if (put(&buf, &len, &cap, argv[i]))
			return 127;
	snprintf(num, sizeof(num), "%d", envc);
	if (put(&buf, &len, &cap, num))
		return 127;
	for (i = 0; i < envc; i++)
		if (put(&buf, &len, &cap, environ[i]))
			return 127;

	fds[0] = 0;
	fds[1] = 1;
	fds[2] = 2;
	fds[3] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	fds[4] = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (fds[3] < 0 || fds[4] < 0)
		run_real(argv);
	/* A closed standard fd cannot be passed: let the real interpreter handle that case. */
	for (i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) < 0)
			run_real(argv);

	{
		char cbuf[CMSG_SPACE(sizeof(fds))];
		struct iovec iov[2] = {
			{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
			{ .iov_base = buf, .iov_len = len },
		};
		struct msghdr msg = {
			.msg_iov = iov,
			.msg_iovlen = 2,
			.msg_control = cbuf,
			.msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		size_t sent = 0, total = sizeof(hdr) + len;

		memset(cbuf, 0, sizeof(cbuf));
		hdr = (uint32_t)len;
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(fds));
		memcpy(CMSG_DATA(cm), fds, sizeof(fds));
		while (sent < total) {
			ssize_t n = sendmsg(sock, &msg, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				run_real(argv); /* nothing ran yet */
			sent += (size_t)n;
			/* The fds went with the first bytes; send the rest plainly. */
			msg.msg_control = NULL;
			msg.msg_controllen = 0;
			while (n > 0 && msg.msg_iovlen) {
				size_t take = (size_t)n < msg.msg_iov->iov_len ? (size_t)n : msg.msg_iov->iov_len;

				msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + take;
				msg.msg_iov->iov_len -= take;
				n -= (ssize_t)take;
				if (!msg.msg_iov->iov_len) {
					msg.msg_iov++;
					msg.msg_iovlen--;
				}
			}
		}
	}
	close(fds[3]);
	close(fds[4]);

	/*
	 * The server answers the copy's pid, then its wait status. Signals that arrive before
	 * the pid stay pending (blocked) and are forwarded once it is known.
	 */
	{
		uint32_t pid;
		int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
		struct sigaction sa = { .sa_handler = forward };
		sigset_t set;

		sigemptyset(&set);
		sigemptyset(&sa.sa_mask);
		for (i = 0; i < (int)(sizeof(sigs) / sizeof(sigs[0])); i++) {
			sigaddset(&set, sigs[i]);
			sigaction(sigs[i], &sa, NULL);
		}
		if (read_full(sock, &pid, sizeof(pid)) < 0) {
			fprintf(stderr, "pyfork: the server did not start the script\n");
			return 127;
		}
		worker = (pid_t)pid;
		sigprocmask(SIG_UNBLOCK, &set, NULL);
	}
	if (read_full(sock, &status, sizeof(status)) < 0) {
		fprintf(stderr, "pyfork: lost the server before the script ended\n");
		return 127;
	}
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		kill(getpid(), WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}
