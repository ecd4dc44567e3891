#include "stratumc/session.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "stratumc/format.h"
#include "stratumc/ipaddr.h"

bool sc_session_request(struct sc_session *s, struct cmd_request *req, struct cmd_reply *rpy,
                        uint16_t want, bool print_status)
{
  if (!s->exchange(s->exchange_arg, req, rpy)) {
    sc_out_status(s->out, "506 Cannot talk to daemon");
    return false;
  }
  if (print_status || rpy->status != CMD_STT_SUCCESS)
    sc_out_status(s->out, sc_status_text(rpy->status));
  if (rpy->status != CMD_STT_SUCCESS && rpy->status != CMD_STT_ACCESSALLOWED &&
      rpy->status != CMD_STT_ACCESSDENIED)
    return false;
  /* chronyd 4.3 answers serverstats and ntpdata in their older formats */
  if (rpy->reply != want && !cmd_reply_answers(req->command, rpy->reply)) {
    sc_out_status(s->out, "508 Bad reply from daemon");
    return false;
  }
  return true;
}

bool sc_session_source_name(struct sc_session *s, const struct cmd_ip *ip, char *buf, size_t len)
{
  struct cmd_request req = {.command = CMD_NTP_SOURCE_NAME};
  struct cmd_reply rpy;
  req.data.ip = *ip;
  if (!sc_session_request(s, &req, &rpy, CMD_RPY_NTP_SOURCE_NAME, false))
    return false;
  const char *name = rpy.data.name;
  size_t n = strnlen(name, CMD_NAME_LEN);
  if (n == CMD_NAME_LEN || n >= len)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isgraph((unsigned char)name[i]))
      return false;
  memcpy(buf, name, n + 1);
  return true;
}

void sc_session_name(struct sc_session *s, char *buf, size_t len, int trunc, bool ref,
                     uint32_t ref_id, bool source, const struct cmd_ip *ip)
{
  if (ref) {
    sc_refid_to_string(ref_id, buf, len);
  } else if (source && s->source_names) {
    if (!sc_session_source_name(s, ip, buf, len))
      snprintf(buf, len, "?");
  } else if (s->no_dns || s->out->mode != SC_HUMAN) {
    sc_ip_to_string(ip, buf, len);
  } else {
    if (s->reverse)
      s->reverse(s->reverse_arg, ip, buf, len);
    else
      sc_dns_reverse(ip, buf, len);
    if (trunc > 0 && (size_t)trunc < len && strlen(buf) > (size_t)trunc) {
      buf[trunc - 1] = '>';
      buf[trunc] = '\0';
    }
  }
}
