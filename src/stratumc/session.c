#include "stratumc/session.h"

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

void sc_session_name(const struct sc_session *s, char *buf, size_t len, int trunc, bool ref,
                     uint32_t ref_id, const struct cmd_ip *ip)
{
  if (ref) {
    sc_refid_to_string(ref_id, buf, len);
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
