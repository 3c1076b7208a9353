/*
 * floor.c - the trivial FastCGI authorizer of the benchmark (bench/run, F0):
 * libfcgi's accept loop answering every request "Status: 200 OK" with one
 * Variable-REMOTE_USER and nothing else. It reads no params and no cookie,
 * so what it costs is the FastCGI round trip itself: the protocol floor
 * oauth2-fcgi is measured against. Never installed; never a real gate.
 *
 *   bench/floor              accept on the socket inherited on fd 0
 *                            (lighttpd bin-path, spawn-fcgi)
 */
#include <fcgiapp.h>

int main(void)
{
    static const char answer[] = "Status: 200 OK\r\n"
                                 "Variable-REMOTE_USER: floor@example.com\r\n"
                                 "\r\n";
    FCGX_Request req;

    if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
        return 1;
    while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutStr(answer, (int)(sizeof(answer) - 1), req.out);
        FCGX_Finish_r(&req);
    }
    return 0;
}
