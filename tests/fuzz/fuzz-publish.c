/* fuzz-publish.c: net_parse_publish() (launcher/net.c), the -p parser. The
 * input is one -p argument. Links net.c, util.c and error.c (and json-c,
 * which net.c uses to speak to slirp4netns); nothing is bound: the parser
 * only reads the text.
 *
 * Beyond "no crash", it checks what a parsed port must be: both ports in
 * 1-65535, the host address NUL-terminated and a valid IP address when set. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../launcher/net.h"
#include "../../launcher/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  _cleanup_free_ char *arg = xmalloc(size + 1);
  memcpy(arg, data, size);
  arg[size] = '\0';

  struct port_map p;
  struct error err = {0};
  if (net_parse_publish(arg, &p, &err) < 0)
    return 0;
  if (p.host_port == 0 || p.sandbox_port == 0 || (p.proto != PROTO_TCP && p.proto != PROTO_UDP))
    abort();
  if (!memchr(p.host_ip, '\0', sizeof p.host_ip))
    abort();
  unsigned char addr[sizeof(struct in6_addr)];
  if (p.host_ip[0] && inet_pton(AF_INET, p.host_ip, addr) != 1 && inet_pton(AF_INET6, p.host_ip, addr) != 1)
    abort();
  return 0;
}
