#!/usr/bin/env bash
# of10_tshark.sh - a third-party dissector judges our OpenFlow 1.0 encoder.
# tests/tools/of10_gen_pcap encodes one message of every type, every stats
# request/reply kind, every FLOW_MOD command and every action type into a pcap
# (one message per TCP segment to/from port 6653). tshark must dissect each of
# those frames as openflow_v1 with the type (and stats kind) we encoded, with no
# malformed packet, no expert error and good IPv4/TCP checksums. One PASS/FAIL
# per generated message; frames that carry no message are checked as a whole.
set -u
T_NAME=of10_tshark
. "$(dirname "$0")/../lib.sh"

need_cmd tshark
GEN=$VF_BUILD/tools/of10_gen_pcap
if [ ! -x "$GEN" ]; then
  t_fail "$T_NAME: $GEN not built (make B=... all)"
  exit 1
fi
TMP=$(mktemp -d /tmp/vf-of10-tshark.XXXXXX)
t_on_exit "[ -n \"\${T_FAILED:-}\" ] && echo \"kept $TMP\" >&2 || rm -rf '$TMP'"

if "$GEN" "$TMP/gen.pcap" >"$TMP/manifest.txt" 2>"$TMP/gen.err"; then
  t_pass "$T_NAME: of10_gen_pcap encoded $(wc -l <"$TMP/manifest.txt") messages"
else
  t_fail "$T_NAME: of10_gen_pcap failed: $(cat "$TMP/gen.err")"
  [ -s "$TMP/manifest.txt" ] || exit 1
fi

# Port 6653 is tshark's default for OpenFlow; -d makes it explicit. Checksums are
# verified so a bad one becomes an expert error. Custom columns give the names
# tshark resolves for the first header's type and stats type.
TS=(tshark -r "$TMP/gen.pcap" -d tcp.port==6653,openflow
    -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE
    -o 'gui.column.format:"T","%Cus:openflow_1_0.type:1:R","ST","%Cus:openflow.stats.type:1:R","Pr","%Cus:frame.protocols"')
"${TS[@]}" -T fields -E separator=/t -e frame.number -e _ws.col.T -e _ws.col.ST -e _ws.col.Pr \
  >"$TMP/dissected.txt" 2>"$TMP/tshark.err" ||
  { t_fail "$T_NAME: tshark failed: $(cat "$TMP/tshark.err")"; exit 1; }
"${TS[@]}" -Y '_ws.malformed || _ws.expert.severity >= 8388608 ||
               tcp.checksum.status != 1 || ip.checksum.status != 1' \
  -T fields -E separator=/t -e frame.number -e _ws.expert.message \
  >"$TMP/bad.txt" 2>>"$TMP/tshark.err"
echo "# tshark expert summary:"
"${TS[@]}" -q -z expert 2>/dev/null | sed 's/^/    /'

# Frames of the handshake (no message) must be clean too.
n_frames=$(wc -l <"$TMP/dissected.txt")
first_msg=$(awk 'NR == 1 { print $1 }' "$TMP/manifest.txt")
bad_hs=$(awk -F'\t' -v f="${first_msg:-1}" '$1 < f' "$TMP/bad.txt")
if [ "$n_frames" -gt 0 ] && [ -z "$bad_hs" ]; then
  t_pass "$T_NAME: $n_frames frames read, TCP handshake clean"
else
  t_fail "$T_NAME: handshake frames: $bad_hs"
fi

# manifest: FRAME TYPE_NUM TYPE_NAME STATS_NUM|- STATS_NAME|- LABEL
while read -r frame _ tname _ sname label; do
  # "-" for an empty column: read would merge consecutive tabs.
  got=$(awk -F'\t' -v f="$frame" 'function v(x) { return x == "" ? "-" : x }
                                   $1 == f { print v($2), v($3), v($4) }' "$TMP/dissected.txt")
  read -r gt gs gp <<<"$got"
  want_s=$sname
  problems=""
  [[ ":${gp:-}:" == *:openflow_v1:* ]] || problems+=" not dissected as openflow_v1 (${gp:-no frame});"
  [ "${gt:-}" = "$tname" ] || problems+=" type '${gt:-}' != '$tname';"
  [ "${gs:-}" = "$want_s" ] || problems+=" stats type '${gs:-}' != '$want_s';"
  errs=$(awk -F'\t' -v f="$frame" '$1 == f { print $2 }' "$TMP/bad.txt")
  [ -z "$errs" ] || problems+=" expert error: $errs;"
  if [ -z "$problems" ]; then
    [ "$want_s" = - ] && want_s=""
    t_pass "$T_NAME: $label (frame $frame) dissected as $tname${want_s:+/$want_s}"
  else
    t_fail "$T_NAME: $label (frame $frame):$problems"
  fi
done <"$TMP/manifest.txt"

# Every type and stats kind the codec knows must be in the manifest.
for t in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21; do
  awk -v t="$t" '$2 == t { found = 1 } END { exit !found }' "$TMP/manifest.txt" ||
    t_fail "$T_NAME: message type $t was not generated"
done
for s in 0 1 2 3 4 5 65535; do
  for t in 16 17; do
    awk -v t="$t" -v s="$s" '$2 == t && $4 == s { found = 1 } END { exit !found }' \
      "$TMP/manifest.txt" || t_fail "$T_NAME: stats kind $s of type $t was not generated"
  done
done
exit 0
