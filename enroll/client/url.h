/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The URLs of the agent's CA clients: a path under a CA's base URL. Pure.
 */
#pragma once

/* base_url + "/" + path with exactly one slash between them. base_url
 * must start with "https://" or "http://" and carry no query or fragment
 * (-EINVAL). malloc'ed. */
int client_url(const char *base_url, const char *path, char **ret);
