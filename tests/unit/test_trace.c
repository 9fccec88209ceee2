/* MODULES: trace */
#include <stdlib.h>

#include "trace.h"
#include "t.h"

static void
redact(struct trace *t, const char *line, const char *want)
{
	char buf[512];

	trace_redact(t, line, strlen(line), buf, sizeof buf);
	t_streq(buf, want, line);
}

int
main(void)
{
	static const struct {
		const char *line, *want;
	} plain[] = {
		{ "A0001 LOGIN alice s3cret", "A0001 LOGIN [redacted]" },
		{ "a LOGIN \"alice\" \"s3 cret\"", "a LOGIN [redacted]" },
		{ "LOGIN alice s3cret", "LOGIN [redacted]" },
		{ "PASS s3cret", "PASS [redacted]" },
		{ "pass s3cret", "pass [redacted]" },
		{ "APOP mrose c4c9334bac560ecc979e58001b3e22fb", "APOP mrose [redacted]" },
		{ "USER mrose", "USER mrose" },
		{ "EHLO client.example", "EHLO client.example" },
		{ "A0002 SELECT INBOX", "A0002 SELECT INBOX" },
		{ "VRFY alice", "VRFY alice" },
		{ "bad\001byte", "bad\\x01byte" },
		{ "PASS", "PASS" },
	};
	struct trace t;
	size_t i;
	FILE *f;
	char *out = NULL;
	size_t outlen = 0;

	trace_init(&t, NULL);
	for (i = 0; i < sizeof plain / sizeof plain[0]; i++)
		redact(&t, plain[i].line, plain[i].want);

	/* A SASL exchange: everything the client says is secret until the
	 * server's final answer. */
	f = open_memstream(&out, &outlen);
	trace_init(&t, f);
	trace_client(&t, "AUTH PLAIN AGFsaWNlAHMzY3JldA==", 31);
	trace_server(&t, "235 2.7.0 Authentication successful", 35);
	trace_client(&t, "A1 AUTHENTICATE LOGIN", 21);
	trace_server(&t, "+ VXNlcm5hbWU6", 14);
	trace_client(&t, "YWxpY2U=", 8);
	trace_server(&t, "+ UGFzc3dvcmQ6", 14);
	trace_client(&t, "czNjcmV0", 8);
	trace_server(&t, "A1 OK done", 10);
	trace_client(&t, "A2 NOOP", 7);
	trace_client(&t, "AUTH LOGIN", 10);
	trace_server(&t, "334 VXNlcm5hbWU6", 16);
	trace_client(&t, "YWxpY2U=", 8);
	trace_server(&t, "535 5.7.8 failed", 16);
	trace_client(&t, "QUIT", 4);
	fclose(f);
	t_streq(out,
	    "C: AUTH PLAIN [redacted]\n"
	    "S: 235 2.7.0 Authentication successful\n"
	    "C: A1 AUTHENTICATE LOGIN\n"
	    "S: + VXNlcm5hbWU6\n"
	    "C: [redacted]\n"
	    "S: + UGFzc3dvcmQ6\n"
	    "C: [redacted]\n"
	    "S: A1 OK done\n"
	    "C: A2 NOOP\n"
	    "C: AUTH LOGIN\n"
	    "S: 334 VXNlcm5hbWU6\n"
	    "C: [redacted]\n"
	    "S: 535 5.7.8 failed\n"
	    "C: QUIT\n", "SASL exchanges are redacted, the rest is not");
	t_ok(strstr(out, "czNjcmV0") == NULL && strstr(out, "AHMzY3JldA") == NULL,
	    "no secret reaches the transcript");
	free(out);
	return t_done();
}
