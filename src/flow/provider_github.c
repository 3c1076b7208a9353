/*
 * provider_github.c - GitHub's identity (not OpenID: its REST API):
 * /user (id, login, name), /user/emails (the primary verified one),
 * /user/orgs and /user/teams (groups "org" and "org/team", paginated by
 * Link rel="next", at most GITHUB_PAGES_MAX pages, only on the API's own
 * origin so the token never goes elsewhere); allowed_orgs / allowed_teams.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oa/flow.h"

#define GITHUB_PAGES_MAX 10
#define GITHUB_PER_PAGE 100
#define NOT_MEMBER "You are not a member of an organization or team allowed here."

static const char *api_base(const struct oa_provider *p, char *buf, size_t cap)
{
    size_t n;

    if (p->api_url)
        snprintf(buf, cap, "%s", p->api_url);
    else if (p->base_url)
        snprintf(buf, cap, "%s/api/v3", p->base_url);
    else
        snprintf(buf, cap, "https://api.github.com");
    n = strlen(buf);
    while (n && buf[n - 1] == '/')
        buf[--n] = '\0';
    return buf;
}

/* The rel="next" target of a Link header when it is under api (new), else
 * NULL. */
static char *link_next(const char *link, const char *api)
{
    const char *p = link, *lt, *gt, *end;
    size_t alen = strlen(api);

    while (p && (lt = strchr(p, '<')) && (gt = strchr(lt, '>'))) {
        end = strchr(gt, ',');
        if (!end)
            end = gt + strlen(gt);
        if ((memmem(gt, (size_t)(end - gt), "rel=\"next\"", 10) ||
             memmem(gt, (size_t)(end - gt), "rel=next", 8)) &&
            (size_t)(gt - lt - 1) > alen && !strncmp(lt + 1, api, alen) && lt[1 + alen] == '/')
            return strndup(lt + 1, (size_t)(gt - lt - 1));
        p = *end ? end + 1 : NULL;
    }
    return NULL;
}

static enum oa_err org_item(struct oa_identity_draft *id, json_t *item)
{
    return oa_identity_draft_group(id, json_string_value(json_object_get(item, "login")));
}

static enum oa_err team_item(struct oa_identity_draft *id, json_t *item)
{
    const char *org =
        json_string_value(json_object_get(json_object_get(item, "organization"), "login"));
    const char *slug = json_string_value(json_object_get(item, "slug"));
    char g[512];

    if (!org || !slug || !*org || !*slug)
        return OA_OK;
    if ((size_t)snprintf(g, sizeof(g), "%s/%s", org, slug) >= sizeof(g))
        return OA_OK;
    return oa_identity_draft_group(id, g);
}

/* Follows the pages of a list endpoint. */
static enum oa_err list_all(struct oa_flow *f, struct oa_identity_draft *id, const char *token,
                            const char *api, const char *path,
                            enum oa_err (*fn)(struct oa_identity_draft *id, json_t *item),
                            const char *what)
{
    char first[1024], *url, *link = NULL, *next;
    enum oa_err e = OA_OK;
    json_t *arr, *item;
    size_t i, page;

    snprintf(first, sizeof(first), "%s%s?per_page=%d", api, path, GITHUB_PER_PAGE);
    url = strdup(first);
    for (page = 1; url && page <= GITHUB_PAGES_MAX && e == OA_OK; page++) {
        e = oa_flow_get_json(f, &arr, &link, url, token, true, what);
        if (e != OA_OK)
            break;
        json_array_foreach(arr, i, item)
        {
            if (e == OA_OK)
                e = fn(id, item);
        }
        next = link ? link_next(link, api) : NULL;
        free(link);
        link = NULL;
        json_decref(arr);
        free(url);
        url = next;
    }
    if (!url && page == 1)
        e = OA_ERR_NOMEM;
    free(url);
    return e;
}

static enum oa_err github_user(struct oa_flow *f, struct oa_identity_draft *id, const char *token,
                               const char *api)
{
    char url[1024], num[32];
    json_t *u, *jid;
    enum oa_err e;

    snprintf(url, sizeof(url), "%s/user", api);
    e = oa_flow_get_json(f, &u, NULL, url, token, false, "user endpoint");
    if (e != OA_OK)
        return e;
    jid = json_object_get(u, "id");
    if (json_is_integer(jid) && json_integer_value(jid) > 0)
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(jid));
    else
        num[0] = '\0';
    if (!*num)
        e = oa_flow_fail(f, OA_ERR_PROVIDER, 502,
                         "The sign-in provider answered with an error. Try again later.",
                         "user endpoint %s: no numeric id", url);
    if (e == OA_OK)
        e = oa_identity_draft_set(&id->subject, num);
    if (e == OA_OK)
        e = oa_identity_draft_set(&id->username, json_string_value(json_object_get(u, "login")));
    if (e == OA_OK)
        e = oa_identity_draft_set(&id->name, json_string_value(json_object_get(u, "name")));
    json_decref(u);
    return e;
}

static enum oa_err github_email(struct oa_flow *f, struct oa_identity_draft *id, const char *token,
                                const char *api)
{
    char url[1024];
    json_t *arr, *m;
    enum oa_err e;
    size_t i;

    snprintf(url, sizeof(url), "%s/user/emails?per_page=%d", api, GITHUB_PER_PAGE);
    e = oa_flow_get_json(f, &arr, NULL, url, token, true, "emails endpoint");
    if (e != OA_OK)
        return e;
    json_array_foreach(arr, i, m)
    {
        if (json_is_true(json_object_get(m, "primary")) &&
            json_is_true(json_object_get(m, "verified"))) {
            e = oa_identity_draft_set(&id->email, json_string_value(json_object_get(m, "email")));
            break;
        }
    }
    json_decref(arr);
    return e;
}

static bool in_list(const struct oa_strlist *l, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (strlen(l->v[i]) == n && !strncasecmp(l->v[i], s, n))
            return true;
    return false;
}

/* True when one of the groups is an allowed org or team. */
static bool github_member(const struct oa_provider *p, const char *groups)
{
    const char *g = groups ? groups : "";
    size_t n;

    while (*g) {
        n = strcspn(g, ",");
        if (memchr(g, '/', n) ? in_list(&p->allowed_teams, g, n) : in_list(&p->allowed_orgs, g, n))
            return true;
        g += n;
        if (*g == ',')
            g++;
    }
    return false;
}

static bool wants_groups(const struct oa_flow *f)
{
    size_t i;

    if (f->p->allowed_orgs.n || f->p->allowed_teams.n)
        return true;
    if (f->p->scope && strstr(f->p->scope, "read:org"))
        return true;
    if (f->cfg->groups_named.n || f->cfg->keep_all_groups) /* rules, maps, keep_groups */
        return true;
    for (i = 0; i < f->cfg->naccess; i++)
        if (f->cfg->access[i].groups.n)
            return true;
    return false;
}

enum oa_err oa_github_identity(struct oa_flow *f, struct oa_identity_draft *id,
                               const char *access_token)
{
    char api[512];
    enum oa_err e;

    api_base(f->p, api, sizeof(api));
    e = oa_identity_draft_set(&id->issuer, f->p->base_url ? f->p->base_url : "https://github.com");
    if (e == OA_OK)
        e = github_user(f, id, access_token, api);
    if (e == OA_OK)
        e = github_email(f, id, access_token, api);
    if (e == OA_OK && wants_groups(f))
        e = list_all(f, id, access_token, api, "/user/orgs", org_item, "orgs endpoint");
    if (e == OA_OK && wants_groups(f))
        e = list_all(f, id, access_token, api, "/user/teams", team_item, "teams endpoint");
    if (e == OA_OK && (f->p->allowed_orgs.n || f->p->allowed_teams.n) &&
        !github_member(f->p, id->groups.p) && (f->phase = OA_MX_CAUSE_RULES))
        e = oa_flow_fail(f, OA_ERR_DENIED, 403, NOT_MEMBER,
                         "user %s is not a member of an allowed org or team",
                         id->username ? id->username : "?");
    if (e != OA_OK && !f->status)
        e = oa_flow_fail(f, e, 500, "Sign-in could not finish. Try again.", "github: %s",
                         oa_strerror(e));
    return e;
}
