package main

// configHelp describes the file.
const configHelp = `The configuration file (YAML; JSON works too)

  listen: ":8080"                      # serve's address
  public_url: https://flows.example.com  # where the vendors reach serve; each flow below its path
  store: memory                        # or redis://host:6379/0, or "${REDIS_URL}"
  store_prefix: "acme:"                # Redis key prefix (default deskbridge:); each flow's keys
                                       # are under it and the flow's name: acme:statussync:…
  log: {level: info, format: json}     # format defaults to json off a terminal

  tenants:
    zendesk:
      acme: {subdomain: acme, email: admin@acme.com, api_token: "${ZENDESK_API_TOKEN}"}   # or oauth_token:
    babelforce:
      prod: {environment: acme, username: manager@acme.com, password: "${BABELFORCE_PASSWORD}"}
    braze:
      main: {instance: US-01, api_key: "${BRAZE_API_KEY}"}
    cxone:
      eu: {tenant_id: ..., access_key_id: ..., access_key_secret: "${CXONE_ACCESS_KEY_SECRET}", client_id: ..., client_secret: "${CXONE_CLIENT_SECRET}"}
    brightpattern:
      bp: {tenant_url: acme.brightpattern.com, login_id: ..., api_secret: "${BRIGHTPATTERN_API_SECRET}"}
    dydu:
      bot: {bot_id: 1b2c..., servers: [https://app1.dydu-priv.com/servlet/api], admin_login: ..., admin_password: "${DYDU_ADMIN_PASSWORD}"}
    conversations:
      app: {subdomain: acme, app_id: ..., key_id: app_..., key_secret: "${SUNCO_KEY_SECRET}"}

  flows:
    statussync:                        # agent status Zendesk <-> babelforce: Zendesk calls /statussync/zendesk/agent-status
      zendesk: acme
      babelforce: prod
      automation_secret: "${STATUSSYNC_AUTOMATION_SECRET}"  # optional: /statussync/babelforce/presence
      poll_interval: 15s               # or off
      # zendesk_secrets: ["${STATUSSYNC_ZENDESK_SECRET}"]  # optional: else read from the webhook apply made
    smsbridge:                         # ticket comments <-> SMS (Braze), at /smsbridge/
      zendesk: acme
      braze: main
      reply_campaign_id: 9f8e...
      closing_campaign_id: 1a2b...
      braze_secrets: ["${SMSBRIDGE_BRAZE_SECRET}"]
    escalation:                        # Dydu bot -> Zendesk agents, at /escalation/
      dydu: bot
      conversations: app
      zendesk: acme
      skills: {12345: Animal}
      default_skill: Support
      authorize: {chat_key: "${ESCALATION_CHAT_KEY}"}   # default none: the chat is anonymous (logged at start);
                                       # verifies chat tokens your site signs: base64url(identity JSON) "."
                                       # base64url(HMAC-SHA256(key, chat id "\n" identity JSON)); key >= 32 bytes
    memorialize:                       # CXone interaction data -> Zendesk records, at /memorialize/
      cxone: eu
      zendesk: acme
      studio_secrets: ["${CXONE_STUDIO_SECRET}"]   # optional: the Studio script's call; else the poll alone
      mapping:
        ticket: [{title: CXone ANI, channel: voice, data: ANI}]          # title / id / standard / key (user)
        user: [{key: cxone_agent, channel: script_variable, data: agentname}]
      workflows: {search_ani: true, create_ticket: true}
      settle: 5m                       # default 5m: how far behind each poll the cursor stays (> CXone's warehousing lag)
      max_attempts: 0                  # default 0: retry a failing contact until written; N: give it up after N
    scenario:                          # Bright Pattern's Zendesk scenario blocks, at /scenario/
      accounts: [acme]                 # Zendesk tenants (integration accounts); the first is the default
      brightpattern: bp
      recipe: inbound_call
      account_by_dnis: {"+18005550100": acme}
      fields: [{title: BP Skill, value: "$(item.skill)"}]
      secrets: ["${BRIGHTPATTERN_SCENARIO_SECRET}"]
      timeout: 20s                     # default 20s: bounds one run, even when Bright Pattern hangs up
      done_ttl: 24h                    # default 24h: how long a run's once-per-interaction writes are remembered

A flow's type is its name; two flows of one type take names of their own and
"type: statussync". "path: /x" moves a flow. A secret is "${ENV_VAR}", or a
file: "file:secrets/token", "/run/secrets/token", "./token" (relative to the
file's directory). A literal secret is refused.
`
