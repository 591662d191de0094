/*
 * notify_webhook - the "webhook" target: a Slack-compatible JSON POST
 * {"text": "*Subject*\nMessage"} to Url. The Url is registered as a
 * secret: Slack-style webhook URLs carry their token in the path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "notify.h"

/* The response body is not needed; only the status matters. */
static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void)ptr;
	(void)userdata;
	return size * nmemb;
}

static char *payload(const struct notify_message *msg)
{
	json_object *o = json_object_new_object();
	char *text = NULL, *body;

	if (msg->subject != NULL && msg->subject[0] != '\0') {
		if (asprintf(&text, "*%s*\n%s", msg->subject, msg->text) < 0)
			text = NULL;
	} else {
		text = strdup(msg->text);
	}
	json_object_object_add(o, "text", json_object_new_string(text ? text : ""));
	body = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	free(text);
	return body;
}

int notify_deliver_webhook(struct notify_state *st, pw_call *call,
			   json_object *target, const struct notify_message *msg,
			   int dry, json_object **out, pw_error *err)
{
	const char *url = NULL;
	int64_t timeout_s = 10;
	struct curl_slist *headers = NULL;
	char curl_err[CURL_ERROR_SIZE] = "";
	char *body = NULL;
	long status = 0;
	CURL *curl = NULL;
	CURLcode cc;
	json_object *r;
	int rc = PW_ERR;

	(void)call;
	*out = NULL;
	if (awsp_str(target, "Url", 1, "Notify", &url, err) != PW_OK ||
	    awsp_int(target, "TimeoutSeconds", 0, "Notify", &timeout_s, err) != PW_OK)
		return PW_ERR;
	if (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0)
		return pw_error_set(err, "Notify.InvalidParameter",
				    "Url must be an http:// or https:// URL");
	if (timeout_s < 1 || timeout_s > 300)
		return pw_error_set(err, "Notify.InvalidParameter",
				    "TimeoutSeconds must be 1..300");
	st->host->add_secret(url);
	r = json_object_new_object();
	json_object_object_add(r, "Target", json_object_new_string("webhook"));
	if (dry) {
		*out = r;
		return PW_OK;
	}
	body = payload(msg);
	curl = curl_easy_init();
	if (body == NULL || curl == NULL) {
		pw_error_set(err, "Notify.InternalError", "out of memory");
		goto out;
	}
	headers = curl_slist_append(headers, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(timeout_s * 1000));
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
	cc = curl_easy_perform(curl);
	if (cc != CURLE_OK) {
		/* curl's message names the host, not the path with the token. */
		pw_error_set(err, "Notify.WebhookFailed", "webhook POST failed: %s",
			     curl_err[0] ? curl_err : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		pw_error_set(err, "Notify.WebhookFailed",
			     "webhook answered HTTP %ld", status);
		goto out;
	}
	json_object_object_add(r, "StatusCode", json_object_new_int((int)status));
	*out = r;
	r = NULL;
	rc = PW_OK;
out:
	json_object_put(r);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	free(body);
	return rc;
}
