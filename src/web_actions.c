/*
 * web_actions - operator actions from the web; see web_actions.h.
 */
#include <string.h>

#include "ledger.h"
#include "notify.h"
#include "store_monitor.h"
#include "web_actions.h"
#include "banned.h"

enum sg_code web_action_followup(struct store *s, const struct profile *p, long long id,
                                 const char *message, const char *user, double now,
                                 size_t *recipients, struct sg_error *err)
{
	struct notify_config *ncfg = NULL;
	struct incident_row r;
	struct notify_incident v;
	long long fid = 0;
	enum sg_code rc;
	json_t *j;

	*recipients = 0;
	if (!message || !*message || strlen(message) > 20000)
		return sg_error_set(err, SG_ERR_INPUT, "%s",
		                    ETR(err, "続報の本文を 1〜20000 バイトで書いてください",
		                        "write the follow-up in 1 to 20,000 bytes"));
	memset(&r, 0, sizeof(r));
	if ((rc = notify_config_load(p, &ncfg, err)))
		return rc;
	if ((rc = store_monitor_incident_get(s, id, &r, err)))
		goto out;
	notify_incident_of(&r, &v);
	v.item_id = "III.1.1.8";
	*recipients = notify_config_recipients(ncfg, "admin_contacts");
	j = json_pack("{s:I,s:s,s:f,s:I,s:s}", "incident", (json_int_t)id, "message", message,
	              "delay_s", now - r.detected_at, "recipients", (json_int_t)*recipients, "by",
	              user);
	if ((rc = store_begin(s, err)) ||
	    (rc = store_monitor_followup_insert(s, id, now, message, &fid, err)) ||
	    (rc = ledger_append(s, "followup_recorded", j, NULL, err)) ||
	    (rc = notify_enqueue(s, ncfg, NOTIFY_FOLLOWUP, &v, message, err)) ||
	    (rc = store_commit(s, err)))
		store_rollback(s);
	json_decref(j);
out:
	store_monitor_incident_row_release(&r);
	notify_config_free(ncfg);
	return rc;
}
