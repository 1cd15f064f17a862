# -*- coding: utf-8 -*-
# Copyright (c) alicloud.sae contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The options every alicloud.sae plugin shares: credentials, region, endpoint, transport.
    DOCUMENTATION = r"""
options:
  access_key_id:
    description:
      - Alibaba Cloud AccessKey ID.
      - If not set, the E(ALIBABA_CLOUD_ACCESS_KEY_ID) or E(ALICLOUD_ACCESS_KEY) environment variable is used.
      - Together with O(access_key_secret), it takes precedence over every other credential source.
      - If neither is set, O(role_arn), then O(profile), then the default credential chain of
        C(alibabacloud-credentials) are tried, in that order.
    type: str
    aliases: [alicloud_access_key, access_key]
  access_key_secret:
    description:
      - Alibaba Cloud AccessKey secret.
      - If not set, the E(ALIBABA_CLOUD_ACCESS_KEY_SECRET) or E(ALICLOUD_SECRET_KEY) environment variable is used.
      - Never shown in output, warnings or errors.
    type: str
    aliases: [alicloud_secret_key, secret_key]
  security_token:
    description:
      - STS security token, for temporary credentials. Sent in the signed C(x-acs-security-token) header.
      - If not set, the E(ALIBABA_CLOUD_SECURITY_TOKEN) or E(ALICLOUD_SECURITY_TOKEN) environment variable is used.
    type: str
    aliases: [alicloud_security_token]
  region:
    description:
      - The region whose job templates are listed, for example V(cn-hangzhou).
      - If not set, the E(ALIBABA_CLOUD_REGION_ID) or E(ALICLOUD_REGION) environment variable is used.
    type: str
    aliases: [alicloud_region, region_id]
  profile:
    description:
      - Name of a credentials profile, looked up in the aliyun CLI file C(~/.aliyun/config.json), then in the
        C(alibabacloud-credentials) INI file C(~/.alibabacloud/credentials).
      - If not set, the E(ALIBABA_CLOUD_PROFILE) or E(ALICLOUD_PROFILE) environment variable is used.
    type: str
  role_arn:
    description:
      - ARN of a RAM role to assume with STS AssumeRole. The role is assumed with the credentials of
        O(access_key_id) and O(access_key_secret) if set, else of O(profile), else of the default chain.
      - If not set, the E(ALIBABA_CLOUD_SAE_ROLE_ARN) (an AWX credential can inject it) or E(ALICLOUD_ASSUME_ROLE_ARN)
        environment variable is used.
      - The alias C(alicloud_assume_role_arn) and E(ALICLOUD_ASSUME_ROLE_ARN) are the names C(alibaba.alicloud) uses.
      - E(ALIBABA_CLOUD_ROLE_ARN) is deliberately not read. C(alibabacloud-credentials) reads it as the role an
        OIDC token is exchanged for (ACK RRSA sets it in pods), so reading it here would assume that role twice.
    type: str
    aliases: [alicloud_assume_role_arn]
  role_session_name:
    description:
      - Session name used when assuming O(role_arn).
      - If not set, the E(ALICLOUD_ASSUME_ROLE_SESSION_NAME) environment variable is used (the name
        C(alibaba.alicloud) uses, as is the alias C(alicloud_assume_role_session_name)), else V(ansible-alicloud-sae).
    type: str
    aliases: [alicloud_assume_role_session_name]
  sts_endpoint:
    description:
      - STS endpoint (host, optionally with a port) used to assume O(role_arn),
        for example V(sts.cn-hangzhou.aliyuncs.com).
      - Defaults to V(sts.aliyuncs.com). STS is always called over HTTPS.
    type: str
  endpoint:
    description:
      - SAE API endpoint, as a URL template in which V({region}) is replaced by the region.
      - It may carry a path prefix, for example V(http://127.0.0.1:8080/{region}) sends
        C(GET /cn-beijing/pop/v1/sam/job/listJobs) for region V(cn-beijing).
      - If not set, the E(ALIBABA_CLOUD_SAE_ENDPOINT) environment variable is used, else
        V(https://sae.{region}.aliyuncs.com).
    type: str
  validate_certs:
    description:
      - Whether to verify the endpoint's TLS certificate, against O(ca_bundle).
      - Set to V(false) only for endpoints you trust, such as a local test server.
    type: bool
    default: true
  ca_bundle:
    description:
      - Path of a PEM file of CA certificates to verify the endpoint's certificate with, for example the CA of a
        TLS-inspecting proxy, V(/etc/pki/tls/certs/corp-ca.pem). It replaces the default trust store.
      - If not set, the E(ALIBABA_CLOUD_CA_BUNDLE) environment variable is used, else the E(REQUESTS_CA_BUNDLE)
        or E(CURL_CA_BUNDLE) environment variable (as C(requests) reads them). If none is set, the trust store is
        the one C(requests) uses by default, the C(certifi) package's bundle, not the system store (a
        C(requests) packaged by a Linux distribution may be patched to use the system store instead).
      - A path that is not a file is an error before any request. Ignored when O(validate_certs=false).
      - The vendor SDK calls this setting C(ca). It applies to the SAE API. STS, called for O(role_arn) by
        C(alibabacloud-credentials), trusts the system store and C(certifi)'s bundle. Set E(SSL_CERT_FILE)
        to add a CA there.
    type: path
  timeout:
    description:
      - Seconds to wait for a connection and for each answer before the attempt counts as failed (and is retried).
    type: float
    default: 30
  max_retries:
    description:
      - How many times a transient failure is retried, with exponential backoff and full jitter.
      - Transient failures are throttling (any C(Throttling*) code whatever the HTTP status, and HTTP 429),
        HTTP 5xx, C(ServiceUnavailable), connection errors and timeouts. Nothing else is retried.
      - A throttling answer's own wait replaces the backoff. The first found of these is honoured,
        C(x-acs-retry-after) (milliseconds, what the vendor's SDK reads), the C(TimeLeft) of
        C(x-ratelimit-user-api), then of C(x-ratelimit-user) (milliseconds, older SDKs), then C(Retry-After)
        (seconds). That wait holds every request of the run, not only the throttled one, since the quota is
        the account's. A wait longer than 60 s, or than O(timeout) x O(max_retries), is not waited for; the
        call fails at once with the throttling error, saying how long the gateway asked to wait.
    type: int
    default: 5
  max_concurrency:
    description:
      - How many API requests may be in flight at once (1 to 64), shared by every region, namespace and page.
      - Page 1 gives the total. A listing that fits in one page takes one request. Otherwise the other pages
        are fetched at once, and the listing is read a second time (every page at once) to confirm that no job
        moved between pages while it was read. No page past the total is ever asked for, and never more than
        O(max_concurrency) pages of a listing ahead of the answers, whatever total an answer reports.
    type: int
    default: 32
  max_requests_per_second:
    description:
      - A hard limit on the rate of API requests (retries included), for an account whose API quota is known.
        Requests are spaced evenly, from the first one on. A number above 0, for example V(10) or V(2.5).
      - If not set, the E(ALIBABA_CLOUD_SAE_MAX_REQUESTS_PER_SECOND) environment variable is used.
      - Whether it is set or not, the rate adapts to the API's flow control. Nothing is limited until a call is
        throttled (C(Throttling*) codes, HTTP 429). Then the rate drops to 70 % of the rate the API accepted
        just before, climbs back as calls succeed, and drops again if it goes past the quota. The quota is
        shared with everything else the account runs, so this keeps the account's other clients served.
    type: float
notes:
  - The account needs the RAM permission C(sae:ListJobs).
requirements:
  - python >= 3.9
  - requests
  - alibabacloud-credentials (only when credentials do not come from O(access_key_id) and O(access_key_secret))
"""

    # Plugins (not modules) may also declare where each option is read from. Ansible lets the
    # last set variable win, so the preferred ALIBABA_CLOUD_* name comes last.
    INVENTORY = r"""
options:
  access_key_id:
    env:
      - name: ALICLOUD_ACCESS_KEY
      - name: ALIBABA_CLOUD_ACCESS_KEY_ID
  access_key_secret:
    env:
      - name: ALICLOUD_SECRET_KEY
      - name: ALIBABA_CLOUD_ACCESS_KEY_SECRET
  security_token:
    env:
      - name: ALICLOUD_SECURITY_TOKEN
      - name: ALIBABA_CLOUD_SECURITY_TOKEN
  region:
    env:
      - name: ALICLOUD_REGION
      - name: ALIBABA_CLOUD_REGION_ID
  profile:
    env:
      - name: ALICLOUD_PROFILE
      - name: ALIBABA_CLOUD_PROFILE
  role_arn:
    env:
      - name: ALICLOUD_ASSUME_ROLE_ARN
      - name: ALIBABA_CLOUD_SAE_ROLE_ARN
  role_session_name:
    env:
      - name: ALICLOUD_ASSUME_ROLE_SESSION_NAME
  endpoint:
    env:
      - name: ALIBABA_CLOUD_SAE_ENDPOINT
  max_requests_per_second:
    env:
      - name: ALIBABA_CLOUD_SAE_MAX_REQUESTS_PER_SECOND
  ca_bundle:
    env:
      - name: ALIBABA_CLOUD_CA_BUNDLE
"""
