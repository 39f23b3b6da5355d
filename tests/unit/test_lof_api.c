/*
 * test_lof_api.c - the Lua API over the fake engine: packet tables, flow_mod
 * and packet_out as they reach the wire (decoded back and compared field by
 * field), validation errors naming the bad field, stats and barrier replies
 * as Lua values, switch objects (64-bit dpids exact, ports, disconnection),
 * and the tables of flow_removed, port_status and error events.
 */
#include "test_lof_fake.h"

/* A serialiser for flat tables, shared by the apps below. */
#define DUMP                                                                                       \
    "local function dump(t) local k = {} for n in pairs(t) do k[#k + 1] = n end\n"                 \
    "  table.sort(k) local o = {} for _, n in ipairs(k) do\n"                                      \
    "    local v = t[n] if type(v) == 'table' then v = '{' .. dump(v) .. '}' end\n"                \
    "    if n ~= 'data' then o[#o + 1] = n .. '=' .. tostring(v) end end\n"                        \
    "  return table.concat(o, ' ') end\n"

static void test_packet_table(void **state)
{
    (void)state;
    lt_load1(T, "p",
             DUMP "return { packet_in = function(sw, p) vf.record('t', dump(p))\n"
                  "  vf.record('t', #p.data) end }\n");
    struct ofc_switch *sw = lf_switch_up(T, 1, 2);
    uint8_t f[128];
    size_t len =
        lf_frame(f, "00:00:00:00:00:01", "00:00:00:00:00:02", 0x0a000001, 0x0a000002, 6, 1234, 80);
    lf_packet_in(T, sw, 1, f, len, 77);
    len = lf_frame(f, "00:00:00:00:00:01", "ff:ff:ff:ff:ff:ff", 0x0a000001, 0x0a000002, 0, 0, 0);
    lf_packet_in(T, sw, 2, f, len, OFP10_NO_BUFFER);
    lf_packet_in(T, sw, 2, f, 10, OFP10_NO_BUFFER); /* a runt */
    lt_want_records(
        "p/t: buffer_id=77 dl_dst=00:00:00:00:00:02 dl_src=00:00:00:00:00:01 dl_type=2048 "
        "dl_vlan=65535 in_port=1 ip_ttl=64 is_fragment=false is_later_fragment=false l3=ipv4 "
        "l4=tcp match={dl_dst=00:00:00:00:00:02 dl_src=00:00:00:00:00:01 dl_type=2048 "
        "dl_vlan=65535 in_port=1 nw_dst=10.0.0.2 nw_proto=6 nw_src=10.0.0.1 nw_tos=0 tp_dst=80 "
        "tp_src=1234} nw_dst=10.0.0.2 nw_proto=6 nw_src=10.0.0.1 nw_tos=0 reason=no_match "
        "tcp_flags=2 total_len=60 tp_dst=80 tp_src=1234 truncated=false\n"
        "p/t: 60\n"
        "p/t: arp_op=1 dl_dst=ff:ff:ff:ff:ff:ff dl_src=00:00:00:00:00:01 dl_type=2054 "
        "dl_vlan=65535 in_port=2 l3=arp match={dl_dst=ff:ff:ff:ff:ff:ff dl_src=00:00:00:00:00:01 "
        "dl_type=2054 dl_vlan=65535 in_port=2 nw_dst=10.0.0.2 nw_proto=1 nw_src=10.0.0.1} "
        "nw_dst=10.0.0.2 nw_proto=1 nw_src=10.0.0.1 reason=no_match total_len=60 truncated=false\n"
        "p/t: 60\n"
        "p/t: in_port=2 match={in_port=2} reason=no_match total_len=10\n"
        "p/t: 10\n");
}

/* Packet tables compute most fields when read (lof_api_pkt.c); whatever a
 * script does with one, it must behave as the plain table it stands for. */
static void test_packet_table_is_plain(void **state)
{
    (void)state;
    lt_load1(
        T, "p",
        DUMP
        "local function keys(t) local k = {} for n in pairs(t) do k[#k + 1] = n end\n"
        "  table.sort(k) return table.concat(k, ',') end\n"
        "local last\n"
        "return { packet_in = function(sw, p)\n"
        "  local m = p.match\n"
        "  if p.in_port == 1 then -- untouched (flow_mod takes it as it is), or read raw first\n"
        "    if p.buffer_id == 106 then for _ in pairs(m) do end end\n"
        "    vf.flow_mod(sw, { match = m, actions = 2 })\n"
        "  elseif p.in_port == 2 then -- written: flow_mod reads the table\n"
        "    m.tp_dst = nil\n"
        "    setmetatable(m, {}) -- a plain table with a metatable is no lazy match\n"
        "    vf.flow_mod(sw, { match = m, actions = 2 })\n"
        "    vf.record('t', dump(m))\n"
        "  elseif p.in_port == 3 then -- raw access, metatables\n"
        "    vf.record('t', table.concat({tostring(m == p.match), rawget(p, 'dl_src'),\n"
        "      tostring(rawget(m, 'tp_dst')), type(next(p)), tostring(getmetatable(p)),\n"
        "      tostring(getmetatable(m)), rawlen(p), #p, tostring(p[1]), tostring(p.nope)}, ' '))\n"
        "    setmetatable(p, { __index = function(_, k) return 'mt ' .. k end })\n"
        "    vf.record('t', p.dl_src .. ' ' .. p.nope)\n"
        "  elseif p.in_port == 4 then -- writes\n"
        "    p.dl_src = nil\n"
        "    p.in_port = nil\n"
        "    p.extra = true\n"
        "    vf.record('t', dump(p))\n"
        "  elseif p.in_port == 5 then -- pairs visits the fields an eager table has\n"
        "    local c, bad = vf.configure { pk = p }, 0 -- copied by the host: plain, complete\n"
        "    for k in pairs(c.pk) do if type(k) ~= 'string' then bad = bad + 1 end end\n"
        "    local same = tostring(c.pk.match == m)\n"
        "    vf.record('t', 'copy ' .. bad .. ' ' .. c.pk.dl_src .. ' ' .. same)\n"
        "    local e = { in_port = p.in_port, buffer_id = p.buffer_id, total_len = p.total_len,\n"
        "      reason = p.reason, data = p.data, dl_src = p.dl_src, dl_dst = p.dl_dst,\n"
        "      dl_vlan = p.dl_vlan, dl_type = p.dl_type, nw_tos = p.nw_tos,\n"
        "      nw_proto = p.nw_proto, nw_src = p.nw_src, nw_dst = p.nw_dst, tp_src = p.tp_src,\n"
        "      tp_dst = p.tp_dst, l3 = p.l3, l4 = p.l4, ip_ttl = p.ip_ttl,\n"
        "      is_fragment = p.is_fragment, is_later_fragment = p.is_later_fragment,\n"
        "      truncated = p.truncated, match = m }\n"
        "    local em = { in_port = m.in_port, dl_src = m.dl_src, dl_dst = m.dl_dst,\n"
        "      dl_vlan = m.dl_vlan, dl_type = m.dl_type, nw_tos = m.nw_tos,\n"
        "      nw_proto = m.nw_proto, nw_src = m.nw_src, nw_dst = m.nw_dst, tp_src = m.tp_src,\n"
        "      tp_dst = m.tp_dst }\n"
        "    vf.record('t', tostring(keys(p) == keys(e)) .. ' ' .. tostring(keys(m) == keys(em)))\n"
        "    last = p\n"
        "  end\n"
        "end, save = function() return { last = last } end }\n");
    struct ofc_switch *sw = lf_switch_up(T, 1, 6);
    uint8_t f[128];
    size_t len =
        lf_frame(f, "00:00:00:00:00:01", "00:00:00:00:00:02", 0x0a000001, 0x0a000002, 17, 1234, 80);
    for (uint16_t port = 1; port <= 5; port++)
        lf_packet_in(T, sw, port, f, len, 100 + port);
    lf_packet_in(T, sw, 1, f, len, 106);
    assert_int_equal(lf_count(OFPT10_FLOW_MOD), 3);
    char b[1024];
    struct of10_match m0 = lf_decode(lf_nth(OFPT10_FLOW_MOD, 0))->u.flow_mod.match;
    of10_match_print(&m0, b, sizeof b);
    assert_string_equal(b, "udp,in_port=1,dl_vlan=0xffff,dl_src=00:00:00:00:00:01,"
                           "dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=0,"
                           "tp_src=1234,tp_dst=80");
    /* the same match parsed from the table */
    struct of10_match m2 = lf_decode(lf_nth(OFPT10_FLOW_MOD, 2))->u.flow_mod.match;
    assert_memory_equal(&m0, &m2, sizeof m0);
    of10_match_print(&lf_decode(lf_nth(OFPT10_FLOW_MOD, 1))->u.flow_mod.match, b, sizeof b);
    assert_string_equal(b, "udp,in_port=2,dl_vlan=0xffff,dl_src=00:00:00:00:00:01,"
                           "dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=0,"
                           "tp_src=1234");
    lt_want_records(
        "p/t: dl_dst=00:00:00:00:00:02 dl_src=00:00:00:00:00:01 dl_type=2048 dl_vlan=65535 "
        "in_port=2 nw_dst=10.0.0.2 nw_proto=17 nw_src=10.0.0.1 nw_tos=0 tp_src=1234\n"
        "p/t: true 00:00:00:00:00:01 80 string nil nil 0 0 nil nil\n"
        "p/t: 00:00:00:00:00:01 mt nope\n"
        "p/t: buffer_id=104 dl_dst=00:00:00:00:00:02 dl_type=2048 dl_vlan=65535 extra=true "
        "ip_ttl=64 is_fragment=false is_later_fragment=false l3=ipv4 l4=udp "
        "match={dl_dst=00:00:00:00:00:02 dl_src=00:00:00:00:00:01 dl_type=2048 dl_vlan=65535 "
        "in_port=4 nw_dst=10.0.0.2 nw_proto=17 nw_src=10.0.0.1 nw_tos=0 tp_dst=80 tp_src=1234} "
        "nw_dst=10.0.0.2 nw_proto=17 nw_src=10.0.0.1 nw_tos=0 reason=no_match total_len=60 "
        "tp_dst=80 tp_src=1234 truncated=false\n"
        "p/t: copy 0 00:00:00:00:00:01 true\n"
        "p/t: true true\n");
    /* a packet kept in the state crosses a reload whole */
    lt_load1(T, "p",
             DUMP "return { restore = function(s) vf.record('r', dump(s.last)) end }\n");
    assert_non_null(strstr(T->records,
                           "p/r: buffer_id=105 dl_dst=00:00:00:00:00:02 dl_src=00:00:00:00:00:01 "
                           "dl_type=2048 dl_vlan=65535 in_port=5 ip_ttl=64 is_fragment=false "
                           "is_later_fragment=false l3=ipv4 l4=udp match={dl_dst=00:00:00:00:00:02 "
                           "dl_src=00:00:00:00:00:01 dl_type=2048 dl_vlan=65535 in_port=5 "
                           "nw_dst=10.0.0.2 nw_proto=17 nw_src=10.0.0.1 nw_tos=0 tp_dst=80 "
                           "tp_src=1234} nw_dst=10.0.0.2 nw_proto=17 nw_src=10.0.0.1 nw_tos=0 "
                           "reason=no_match total_len=60 tp_dst=80 tp_src=1234 truncated=false\n"));
}

static void test_flow_mod_on_the_wire(void **state)
{
    (void)state;
    lt_load1(
        T, "fm",
        "return { switch_up = function(sw)\n"
        "  local xid = vf.flow_mod(sw, { command = 'modify_strict', priority = 100,\n"
        "    idle_timeout = 5, hard_timeout = 60, cookie = -1, buffer_id = 9, out_port = 3,\n"
        "    send_flow_rem = true, emerg = false, check_overlap = true,\n"
        "    match = { in_port = 1, dl_src = 'AA:bb:cc:dd:ee:0f', dl_type = 'ip', nw_proto = "
        "'tcp',\n"
        "              nw_src = '10.1.2.3/24', nw_dst = '192.168.0.1', tp_dst = 22, nw_tos = 4 },\n"
        "    actions = { {set_vlan_vid = 10}, {set_vlan_pcp = 3}, {strip_vlan = true},\n"
        "      {set_dl_src = '00:11:22:33:44:55'}, {set_dl_dst = '66:77:88:99:aa:bb'},\n"
        "      {set_nw_src = '1.2.3.4'}, {set_nw_dst = '5.6.7.8'}, {set_nw_tos = 8},\n"
        "      {set_tp_src = 1000}, {set_tp_dst = 80}, {enqueue = {port = 2, queue = 7}},\n"
        "      {output = 'controller'}, {output = 'controller', max_len = 128}, 4, 'flood',\n"
        "      {output = 'in_port'} } })\n"
        "  vf.record('t', xid)\n"
        "  vf.flow_mod(sw, { actions = 2 })\n"
        "  sw:flow_mod { actions = { output = 'local' } }\n"
        "end }\n");
    lf_switch_up(T, 1, 2);
    assert_int_equal(lf_count(OFPT10_FLOW_MOD), 3);
    const struct of10_msg *m = lf_decode(lf_nth(OFPT10_FLOW_MOD, 0));
    const struct of10_flow_mod *fm = &m->u.flow_mod;
    char want_xid[64];
    snprintf(want_xid, sizeof want_xid, "fm/t: %u\n", m->xid);
    lt_want_records(want_xid);
    assert_int_equal(fm->command, OFPFC10_MODIFY_STRICT);
    assert_int_equal(fm->priority, 100);
    assert_int_equal(fm->idle_timeout, 5);
    assert_int_equal(fm->hard_timeout, 60);
    assert_true(fm->cookie == UINT64_MAX);
    assert_int_equal(fm->buffer_id, 9);
    assert_int_equal(fm->out_port, 3);
    assert_int_equal(fm->flags, OFPFF10_SEND_FLOW_REM | OFPFF10_CHECK_OVERLAP);
    char b[1024];
    of10_match_print(&fm->match, b, sizeof b);
    assert_string_equal(b, "tcp,in_port=1,dl_src=aa:bb:cc:dd:ee:0f,nw_src=10.1.2.0/24,"
                           "nw_dst=192.168.0.1,nw_tos=4,tp_dst=22");
    of10_actions_print(&fm->actions, b, sizeof b);
    assert_string_equal(b,
                        "mod_vlan_vid:10,mod_vlan_pcp:3,strip_vlan,mod_dl_src:00:11:22:33:44:55,"
                        "mod_dl_dst:66:77:88:99:aa:bb,mod_nw_src:1.2.3.4,mod_nw_dst:5.6.7.8,"
                        "mod_nw_tos:8,mod_tp_src:1000,mod_tp_dst:80,enqueue:2:7,CONTROLLER:65535,"
                        "CONTROLLER:128,output:4,FLOOD,IN_PORT");
    m = lf_decode(lf_nth(OFPT10_FLOW_MOD, 1));
    assert_int_equal(m->u.flow_mod.command, OFPFC10_ADD);
    assert_int_equal(m->u.flow_mod.priority, 0x8000);
    assert_int_equal(m->u.flow_mod.buffer_id, OFP10_NO_BUFFER);
    assert_int_equal(m->u.flow_mod.out_port, OFPP10_NONE);
    assert_int_equal(m->u.flow_mod.match.wildcards, 0x3820ff); /* catch-all */
    assert_int_equal(m->u.flow_mod.actions.n, 1);
    assert_int_equal(m->u.flow_mod.actions.v[0].u.output.port, 2);
    m = lf_decode(lf_nth(OFPT10_FLOW_MOD, 2));
    assert_int_equal(m->u.flow_mod.actions.v[0].u.output.port, OFPP10_LOCAL);
}

/* Each case: a flow_mod spec and the error it must raise (pcall'd in Lua). */
static void test_flow_mod_errors(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{prority = 1}", "flow_mod: unknown field 'prority'"},
        {"{priority = 70000}", "flow_mod: priority: expected an integer 0..65535, got 70000"},
        {"{priority = '1'}", "flow_mod: priority: expected an integer 0..65535, got string"},
        {"{idle_timeout = 1.5}", "flow_mod: idle_timeout: expected an integer 0..65535, got 1.5"},
        {"{command = 'insert'}", "flow_mod: command: expected add, modify, modify_strict, delete "
                                 "or delete_strict, got insert"},
        {"{match = {nw_scr = '1.2.3.4'}}", "flow_mod: match: unknown field 'nw_scr'"},
        {"{match = {dl_type = 'ip', nw_src = '10.0.0.300'}}",
         "flow_mod: match.nw_src: expected an IPv4 address or prefix (\"10.0.0.0/24\"), got "
         "10.0.0.300"},
        {"{match = {dl_type = 'ip', nw_src = '10.0.0.0/33'}}",
         "flow_mod: match.nw_src: expected an IPv4 address or prefix"},
        {"{match = {nw_src = '10.0.0.1'}}",
         "flow_mod: match.nw_src: needs dl_type 0x0800 (\"ip\") or 0x0806 (\"arp\")"},
        {"{match = {dl_type = 'ip', tp_dst = 22}}",
         "flow_mod: match.tp_dst: needs dl_type \"ip\" and nw_proto"},
        {"{match = {dl_type = 'ipv6', nw_tos = 4}}",
         "flow_mod: match.nw_tos: needs dl_type 0x0800"},
        {"{match = {dl_type = 'ip', nw_tos = 5}}",
         "flow_mod: match.nw_tos: the low 2 bits (ECN) cannot be matched, got 5"},
        {"{match = {dl_vlan = 0xffff, dl_vlan_pcp = 3}}",
         "flow_mod: match.dl_vlan_pcp: cannot be matched on untagged frames"},
        {"{match = {dl_vlan = 4096}}",
         "flow_mod: match.dl_vlan: expected an integer 0..4095, got 4096"},
        {"{match = {dl_src = 'aa:bb:cc:dd:ee'}}", "flow_mod: match.dl_src: expected a MAC address "
                                                  "\"aa:bb:cc:dd:ee:ff\", got aa:bb:cc:dd:ee"},
        {"{match = {dl_type = 'appletalk'}}", "flow_mod: match.dl_type: unknown name 'appletalk'"},
        {"{match = {in_port = 'flod'}}", "flow_mod: match.in_port: unknown port name 'flod'"},
        {"{match = 5}", "flow_mod: match: expected a table, got number"},
        {"{actions = {{output = 0}}}",
         "flow_mod: invalid message (OFPET_BAD_ACTION/OFPBAC_BAD_OUT_PORT)"},
        {"{actions = {{set_vlan_vid = 5000}}}",
         "flow_mod: actions[1].set_vlan_vid: expected an integer 0..4095, got 5000"},
        {"{actions = {2, {set_vlan_pcp = 9}}}",
         "flow_mod: actions[2].set_vlan_pcp: expected an integer 0..7, got 9"},
        {"{actions = {{output = 1, set_vlan_vid = 2}}}",
         "flow_mod: actions[1]: one action per table"},
        {"{actions = {{drop = true}}}", "flow_mod: actions[1]: unknown action 'drop'"},
        {"{actions = {{}}}", "flow_mod: actions[1]: empty action table"},
        {"{actions = {{set_vlan_vid = 1, max_len = 5}}}",
         "flow_mod: actions[1]: max_len goes only with output"},
        {"{actions = {{strip_vlan = 1}}}", "flow_mod: actions[1].strip_vlan: expected true"},
        {"{actions = {{set_nw_tos = 3}}}",
         "flow_mod: actions[1].set_nw_tos: the low 2 bits (ECN) must be 0, got 3"},
        {"{actions = {{enqueue = {port = 1, q = 2}}}}",
         "flow_mod: actions[1].enqueue: unknown field 'q'"},
        {"{actions = {{enqueue = {port = 'flood', queue = 1}}}}",
         "flow_mod: invalid message (OFPET_BAD_ACTION/OFPBAC_BAD_OUT_PORT)"},
        {"{actions = {[1] = 2, [3] = 4}}",
         "flow_mod: actions: a list of actions must have keys 1..n"},
        {"{actions = true}", "flow_mod: actions: expected an action table or a port, got boolean"},
        {"{emerg = true, idle_timeout = 5}",
         "flow_mod: invalid message (OFPET_FLOW_MOD_FAILED/OFPFMFC_BAD_EMERG_TIMEOUT)"},
        {"{send_flow_rem = 1}", "flow_mod: send_flow_rem: expected a boolean, got number"},
        {"{buffer_id = -1}", "flow_mod: buffer_id: expected an integer 0..4294967295, got -1"},
        {"{[1] = 2}", "flow_mod: unexpected number key (fields are named)"},
        {"nil", "flow_mod: expected a table, got nil"},
    };
    size_t n = sizeof cases / sizeof cases[0];
    char src[8192];
    size_t off = (size_t)snprintf(src, sizeof src, "local cases = {\n");
    for (size_t i = 0; i < n; i++)
        off += (size_t)snprintf(src + off, sizeof src - off, "  function() return %s end,\n",
                                cases[i][0]);
    snprintf(src + off, sizeof src - off,
             "}\nreturn { switch_up = function(sw) for i, c in ipairs(cases) do\n"
             "  local ok, e = pcall(vf.flow_mod, sw, c()) vf.record('t', tostring(e)) end\n"
             "  local ok, e = pcall(vf.flow_mod, 'nonsense', {}) vf.record('t', e)\n"
             "end }\n");
    lt_load1(T, "bad", src);
    lf_switch_up(T, 1, 1);
    assert_int_equal(lf_count(OFPT10_FLOW_MOD), 0); /* nothing invalid left the host */
    const char *p = T->records;
    for (size_t i = 0; i < n; i++) {
        const char *line = strstr(p, "bad/t: ");
        assert_non_null(line);
        const char *end = strchr(line, '\n');
        char got[512];
        snprintf(got, sizeof got, "%.*s", (int)(end - line - 7), line + 7);
        if (strncmp(got, cases[i][1], strlen(cases[i][1])) != 0)
            fail_msg("case %s:\n got  %s\n want %s", cases[i][0], got, cases[i][1]);
        p = end + 1;
    }
    assert_string_equal(p, "bad/t: flow_mod: expected a switch or a dpid, got nonsense\n");
}

static void test_packet_out(void **state)
{
    (void)state;
    lt_load1(T, "po",
             "return { packet_in = function(sw, p)\n"
             "  vf.packet_out(sw, { packet = p, actions = 'flood' })\n"
             "  vf.packet_out(sw, { data = 'x', in_port = 3, actions = {1, 2} })\n"
             "  vf.packet_out(sw, { buffer_id = 5, actions = {} })\n"
             "  local errs = { {}, { packet = p, data = 'y' }, { data = 'a', buffer_id = 1 },\n"
             "    { data = 5 }, { buffer_id = 0xffffffff }, { packet = 5 } }\n"
             "  for _, e in ipairs(errs) do local ok, m = pcall(vf.packet_out, sw, e) "
             "vf.record('t', m) end\n"
             "end }\n");
    struct ofc_switch *sw = lf_switch_up(T, 1, 3);
    uint8_t f[128];
    size_t len = lf_frame(f, "00:00:00:00:00:01", "00:00:00:00:00:02", 1, 2, 17, 1, 2);
    lf_packet_in(T, sw, 2, f, len, OFP10_NO_BUFFER); /* unbuffered: data goes back */
    lf_packet_in(T, sw, 2, f, 64, 42);               /* buffered: the buffer id does */
    assert_int_equal(lf_count(OFPT10_PACKET_OUT), 6);
    assert_string_equal(
        lf_nth(OFPT10_PACKET_OUT, 0)->text,
        "OFPT_PACKET_OUT (xid=0x1): in_port=2 actions=FLOOD buffer=none data_len=60");
    assert_string_equal(
        lf_nth(OFPT10_PACKET_OUT, 1)->text,
        "OFPT_PACKET_OUT (xid=0x2): in_port=3 actions=output:1,output:2 buffer=none data_len=1");
    assert_string_equal(lf_nth(OFPT10_PACKET_OUT, 2)->text,
                        "OFPT_PACKET_OUT (xid=0x3): in_port=NONE actions=drop buffer=0x00000005");
    assert_string_equal(lf_nth(OFPT10_PACKET_OUT, 3)->text,
                        "OFPT_PACKET_OUT (xid=0x4): in_port=2 actions=FLOOD buffer=0x0000002a");
    const struct of10_msg *m = lf_decode(lf_nth(OFPT10_PACKET_OUT, 0));
    assert_memory_equal(m->u.packet_out.data.p, f, len);
    assert_non_null(
        strstr(T->records,
               "po/t: packet_out: needs packet, buffer_id or data\n"
               "po/t: packet_out: give packet or buffer_id/data, not both\n"
               "po/t: packet_out: give buffer_id or data, not both\n"
               "po/t: packet_out: data: expected a string, got number\n"
               "po/t: packet_out: buffer_id: expected an integer 0..4294967294, got 4294967295\n"
               "po/t: packet_out: packet: expected a packet table\n"));
}

static void test_stats_and_barrier(void **state)
{
    (void)state;
    lt_load1(T, "st",
             DUMP
             "local function show(what) return function(r, e)\n"
             "  if not r then return vf.record('t', what .. ' failed: ' .. e) end\n"
             "  if #r == 0 then return vf.record('t', what .. ' ' .. dump(r)) end\n"
             "  for i, x in ipairs(r) do vf.record('t', what .. i .. ' ' .. dump(x)) end end end\n"
             "return { switch_up = function(sw)\n"
             "  vf.stats(sw, 'flow', { match = { dl_type = 'arp' }, out_port = 2 }, show('flow'))\n"
             "  vf.stats(sw, 'aggregate', nil, show('agg'))\n"
             "  sw:stats('port', { port_no = 1 }, show('port'))\n"
             "  vf.stats(sw, 'desc', show('desc'))\n"
             "  vf.barrier(sw, function(ok, e) vf.record('t', 'barrier ' .. tostring(ok) .. ' ' .. "
             "tostring(e)) end)\n"
             "  vf.stats(sw, 'queue', { queue_id = 3 }, show('queue'))\n"
             "  local ok, e = pcall(vf.stats, sw, 'flows', nil, print) vf.record('t', e)\n"
             "  ok, e = pcall(vf.stats, sw, 'port', { port = 1 }, print) vf.record('t', e)\n"
             "  ok, e = pcall(vf.stats, sw, 'desc', nil, nil) vf.record('t', e)\n"
             "end }\n");
    lf_switch_up(T, 0x10, 2);
    assert_int_equal(lf_engine.nreq, 6);
    const struct of10_msg *m = lf_decode(lf_nth(OFPT10_STATS_REQUEST, 0));
    assert_int_equal(m->u.stats_request.type, OFPST10_FLOW);
    assert_int_equal(m->u.stats_request.u.flow.table_id, 0xff);
    assert_int_equal(m->u.stats_request.u.flow.out_port, 2);
    assert_int_equal(m->u.stats_request.u.flow.match.dl_type, 0x0806);
    m = lf_decode(lf_nth(OFPT10_STATS_REQUEST, 4));
    assert_int_equal(m->u.stats_request.u.queue.port_no, OFPP10_ALL);
    assert_int_equal(m->u.stats_request.u.queue.queue_id, 3);

    /* a flow reply in two parts: the app sees one array */
    struct of10_flow_stats fs[3];
    memset(fs, 0, sizeof fs);
    struct of10_action out = {.type = OFPAT10_OUTPUT};
    out.u.output.port = 2;
    for (int i = 0; i < 3; i++) {
        of10_match_init_catchall(&fs[i].match);
        fs[i].priority = (uint16_t)(100 + i);
        fs[i].packet_count = 10u * (unsigned)i;
        fs[i].byte_count = 1ull << 40;
        fs[i].duration_sec = 3;
    }
    fs[1].actions.v = &out;
    fs[1].actions.n = 1;
    fs[2].match.wildcards &= ~(uint32_t)(OFPFW10_DL_TYPE | OFPFW10_IN_PORT);
    fs[2].match.dl_type = 0x0806;
    fs[2].match.in_port = 7;
    struct of10_msg p1 = {.version = 1, .type = OFPT10_STATS_REPLY};
    p1.u.stats_reply.type = OFPST10_FLOW;
    p1.u.stats_reply.flags = OFPSF10_REPLY_MORE;
    p1.u.stats_reply.u.flow.v = fs;
    p1.u.stats_reply.u.flow.n = 2;
    struct of10_msg p2 = p1;
    p2.u.stats_reply.flags = 0;
    p2.u.stats_reply.u.flow.v = fs + 2;
    p2.u.stats_reply.u.flow.n = 1;
    const struct of10_msg *parts[] = {&p1, &p2};
    lf_answer(0, OFC_REPLY_OK, parts, 2);
    struct of10_msg agg = {.version = 1, .type = OFPT10_STATS_REPLY};
    agg.u.stats_reply.type = OFPST10_AGGREGATE;
    agg.u.stats_reply.u.aggregate = (struct of10_aggregate_stats){5, 500, 2};
    const struct of10_msg *ap[] = {&agg};
    lf_answer(1, OFC_REPLY_OK, ap, 1);
    struct of10_msg e = {.version = 1, .type = OFPT10_ERROR};
    e.u.error.type = 1, e.u.error.code = 2;
    const struct of10_msg *ep[] = {&e};
    lf_answer(2, OFC_REPLY_ERROR, ep, 1);
    lf_answer(3, OFC_REPLY_TIMEOUT, NULL, 0);
    lf_answer(4, OFC_REPLY_OK, NULL, 0);
    lf_answer(5, OFC_REPLY_GONE, NULL, 0);
    lt_want_records(
        "st/t: stats: kind: expected desc, flow, aggregate, table, port or queue, got flows\n"
        "st/t: stats: args: unknown field 'port'\n"
        "st/t: stats: callback: expected a function, got nil\n"
        "st/t: flow1 actions={} byte_count=1099511627776 cookie=0 duration_nsec=0 duration_sec=3 "
        "hard_timeout=0 idle_timeout=0 match={} packet_count=0 priority=100 table_id=0\n"
        "st/t: flow2 actions={1={output=2}} byte_count=1099511627776 cookie=0 duration_nsec=0 "
        "duration_sec=3 hard_timeout=0 idle_timeout=0 match={} packet_count=10 priority=101 "
        "table_id=0\n"
        "st/t: flow3 actions={} byte_count=1099511627776 cookie=0 duration_nsec=0 duration_sec=3 "
        "hard_timeout=0 idle_timeout=0 match={dl_type=2054 in_port=7} packet_count=20 priority=102 "
        "table_id=0\n"
        "st/t: agg byte_count=500 flow_count=2 packet_count=5\n"
        "st/t: port failed: switch error OFPET_BAD_REQUEST/OFPBRC_BAD_STAT\n"
        "st/t: desc failed: timeout\n"
        "st/t: barrier true nil\n"
        "st/t: queue failed: switch disconnected\n");
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.requests, 0);
}

static void test_switch_objects(void **state)
{
    (void)state;
    lt_load1(
        T, "sw",
        DUMP
        "local kept\n"
        "return { switch_up = function(sw)\n"
        "  kept = kept or sw\n"
        "  vf.record('t', {sw.dpid, sw.dpid_int, tostring(sw), sw.n_buffers, sw.peer, "
        "#sw:ports()})\n"
        "end,\n"
        "switch_down = function(sw)\n"
        "  local l = {} for _, s in ipairs(vf.switches()) do l[#l + 1] = s.dpid end\n"
        "  vf.record('t', 'down ' .. sw.dpid .. ' left: ' .. table.concat(l, ' '))\n"
        "end,\n"
        "packet_in = function(sw, p)\n"
        "  local a = vf.switch('fe:dc:ba:98:76:54:32:10') local b = vf.switch(0xfedcba9876543210)\n"
        "  vf.record('t', {tostring(a == b), tostring(rawequal(a, b)), tostring(a == sw), "
        "tostring(vf.switch(99)), getmetatable(a), tostring(a.nope)})\n"
        "  for _, p in ipairs(a:ports()) do vf.record('t', dump(p)) end\n"
        "  vf.record('t', a:port(2).name .. ' ' .. tostring(a:port(9)))\n"
        "  local x, e = vf.flow_mod(kept, {})\n"
        "  vf.record('t', {tostring(kept.connected), tostring(kept.n_buffers), kept.dpid, "
        "tostring(x), e})\n"
        "end }\n");
    struct ofc_switch *a = lf_switch_up(T, 0xfedcba9876543210ull, 2);
    struct ofc_switch *b = lf_switch_up(T, 1, 0);
    lf_switch_down(T, a);
    lf_switch_up(T, 0xfedcba9876543210ull, 2); /* the same dpid reconnects */
    uint8_t f[128];
    size_t len = lf_frame(f, "00:00:00:00:00:01", "00:00:00:00:00:02", 1, 2, 17, 1, 2);
    lf_packet_in(T, b, 1, f, len, OFP10_NO_BUFFER);
    lt_want_records(
        "sw/t: fe:dc:ba:98:76:54:32:10,-81985529216486896,switch "
        "fe:dc:ba:98:76:54:32:10,256,fake:0,2\n"
        "sw/t: 00:00:00:00:00:00:00:01,1,switch 00:00:00:00:00:00:00:01,256,fake:1,0\n"
        "sw/t: down fe:dc:ba:98:76:54:32:10 left: 00:00:00:00:00:00:00:01\n"
        "sw/t: fe:dc:ba:98:76:54:32:10,-81985529216486896,switch "
        "fe:dc:ba:98:76:54:32:10,256,fake:0,2\n"
        "sw/t: true,true,false,nil,locked,nil\n"
        "sw/t: advertised=0 config=0 curr=32 hw_addr=00:00:00:00:00:01 name=eth1 peer=0 port_no=1 "
        "state=0 supported=0 up=true\n"
        "sw/t: advertised=0 config=0 curr=32 hw_addr=00:00:00:00:00:02 name=eth2 peer=0 port_no=2 "
        "state=0 supported=0 up=true\n"
        "sw/t: eth2 nil\n"
        "sw/t: false,nil,fe:dc:ba:98:76:54:32:10,nil,switch not connected\n");
}

static void test_event_tables(void **state)
{
    (void)state;
    lt_load1(T, "ev",
             DUMP
             "return { flow_removed = function(sw, fr) vf.record('t', dump(fr)) end,\n"
             "  port_status = function(sw, ps) vf.record('t', dump(ps)) end,\n"
             "  error = function(sw, e) vf.record('t', dump(e) .. ' #data=' .. #e.data) end }\n");
    struct ofc_switch *sw = lf_switch_up(T, 1, 1);
    struct of10_msg m = {.version = 1, .type = OFPT10_FLOW_REMOVED, .xid = 0};
    of10_match_init_catchall(&m.u.flow_removed.match);
    of10_match_set_nw_src_prefix(&m.u.flow_removed.match, 0x0a000000, 8);
    m.u.flow_removed.match.wildcards &= ~(uint32_t)OFPFW10_DL_TYPE;
    m.u.flow_removed.match.dl_type = 0x0800;
    m.u.flow_removed.cookie = 0x8000000000000001ull;
    m.u.flow_removed.priority = 9;
    m.u.flow_removed.reason = OFPRR10_HARD_TIMEOUT;
    m.u.flow_removed.duration_sec = 4;
    m.u.flow_removed.packet_count = 3;
    m.u.flow_removed.byte_count = 180;
    lof_ofc_handlers()->flow_removed(T->l, sw, &m);
    struct of10_msg ps = {.version = 1, .type = OFPT10_PORT_STATUS};
    ps.u.port_status.reason = OFPPR10_MODIFY;
    ps.u.port_status.desc.port_no = 3;
    ps.u.port_status.desc.state = OFPPS10_LINK_DOWN;
    snprintf(ps.u.port_status.desc.name, sizeof ps.u.port_status.desc.name, "veth3");
    lof_ofc_handlers()->port_status(T->l, sw, &ps);
    uint8_t req[12] = {1, OFPT10_FLOW_MOD, 0, 12, 0, 0, 0, 7};
    struct of10_msg e = {.version = 1, .type = OFPT10_ERROR, .xid = 7};
    e.u.error.type = 3, e.u.error.code = 0;
    e.u.error.data.p = req, e.u.error.data.len = sizeof req;
    lof_ofc_handlers()->error(T->l, sw, &e);
    lt_want_records(
        "ev/t: byte_count=180 cookie=-9223372036854775807 duration_nsec=0 duration_sec=4 "
        "idle_timeout=0 match={dl_type=2048 nw_src=10.0.0.0/8} packet_count=3 priority=9 "
        "reason=hard_timeout\n"
        "ev/t: port={advertised=0 config=0 curr=0 hw_addr=00:00:00:00:00:00 name=veth3 peer=0 "
        "port_no=3 state=1 supported=0 up=false} reason=modify\n"
        "ev/t: code=0 name=OFPET_FLOW_MOD_FAILED/OFPFMFC_ALL_TABLES_FULL "
        "request_type=OFPT_FLOW_MOD "
        "type=3 xid=7 #data=12\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_packet_table, lt_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_packet_table_is_plain, lt_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_flow_mod_on_the_wire, lt_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_flow_mod_errors, lt_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_packet_out, lt_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_stats_and_barrier, lt_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_switch_objects, lt_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_event_tables, lt_setup, lt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
