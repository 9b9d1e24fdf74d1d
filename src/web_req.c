/*
 * web_req - what the operator pages and the API share; see web_req.h.
 */
#include <string.h>

#include "assess.h"
#include "assess_write.h"
#include "measured.h"
#include "store_collect.h"
#include "timeutil.h"
#include "web_req.h"
#include "banned.h"

json_t *web_req_assessment(const struct web_req *q, const struct web_service *svc)
{
	struct measured_set ms;
	struct assess_result *res = NULL;
	struct assess_write_opts o = {q->lang, 0, 0};
	struct dynbuf out = DYNBUF_INIT;
	struct sg_error err;
	json_t *j = NULL;

	memset(&ms, 0, sizeof(ms));
	memset(&err, 0, sizeof(err));
	/* The shared profile is only read: evidence files are not re-checked here. */
	web_status_tz_lock();
	if (store_collect_latest(q->s, svc->profile->service.name, &ms, &err) == SG_OK &&
	    assess_run(q->cat, svc->profile, &ms, timeutil_now(), &res, &err) == SG_OK &&
	    assess_write(res, ASSESS_JSON, &o, &out, &err) == SG_OK && !dynbuf_status(&out))
		j = json_loadb(dynbuf_ptr(&out), dynbuf_len(&out), 0, NULL);
	web_status_tz_unlock();
	assess_free(res);
	measured_set_release(&ms);
	dynbuf_release(&out);
	return j;
}

int web_req_control_matches(const struct web_req *q, json_t *c)
{
	const char *id = json_string_value(json_object_get(c, "id"));
	const char *level = json_string_value(json_object_get(c, "level"));
	const char *verdict = json_string_value(json_object_get(c, "verdict"));

	if (q->q_section && *q->q_section &&
	    (!id || strncmp(id, q->q_section, strlen(q->q_section)) ||
	     (id[strlen(q->q_section)] && id[strlen(q->q_section)] != '.')))
		return 0;
	if (q->q_level && *q->q_level && (!level || strcmp(level, q->q_level)))
		return 0;
	if (q->q_verdict && *q->q_verdict && (!verdict || strcmp(verdict, q->q_verdict)))
		return 0;
	return 1;
}

const struct web_service *web_req_service(const struct web_req *q, const char *slug)
{
	return web_site_find(q->site, slug);
}

const struct web_service *web_req_incident_service(const struct web_req *q, const char *service)
{
	for (size_t i = 0; i < q->site->n; i++)
		if (service && !strcmp(q->site->svc[i].mcfg->service, service))
			return &q->site->svc[i];
	return NULL;
}
