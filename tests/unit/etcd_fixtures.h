/*
 * etcd_fixtures.h - real responses of etcd 3.4.23 (Debian 12 etcd-server) through
 * its JSON gateway, recorded with curl --raw -i against a one-member etcd on
 * loopback: status line, headers, body, chunk framing byte for byte.
 * Names say which call they answer (tests/unit/test_etcd_*.c, and the seed
 * corpus tests/fuzz/corpus/etcd/ holds the same bytes).
 */
#ifndef VF_TEST_ETCD_FIXTURES_H
#define VF_TEST_ETCD_FIXTURES_H

#define EX_LEASE_GRANT \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Content-Length: 151\r\n" \
    "\r\n" \
    "{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"1\",\"raft_term\":\"2\"},\"ID\":\"2054101142093277448\",\"TTL\":\"30\"}"

#define EX_KEEPALIVE \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Transfer-Encoding: chunked\r\n" \
    "\r\n" \
    "a3\r\n" \
    "{\"result\":{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"1\",\"raft_term\":\"2\"},\"ID\":\"2054101142093277448\",\"TTL\":\"30\"}}\n" \
    "\r\n" \
    "0\r\n" \
    "\r\n"

#define EX_KEEPALIVE_GONE \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Transfer-Encoding: chunked\r\n" \
    "\r\n" \
    "86\r\n" \
    "{\"result\":{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"1\",\"raft_term\":\"2\"},\"ID\":\"1\"}}\n" \
    "\r\n" \
    "0\r\n" \
    "\r\n"

#define EX_REVOKE_GONE \
    "HTTP/1.1 404 Not Found\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Trailer: Grpc-Trailer-Content-Type\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Transfer-Encoding: chunked\r\n" \
    "\r\n" \
    "6c\r\n" \
    "{\"error\":\"etcdserver: requested lease not found\",\"message\":\"etcdserver: requested lease not found\",\"code\":5}\r\n" \
    "0\r\n" \
    "Grpc-Trailer-Content-Type: application/grpc\r\n" \
    "\r\n"

#define EX_TXN_CREATE_OK \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Content-Length: 189\r\n" \
    "\r\n" \
    "{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"2\",\"raft_term\":\"2\"},\"succeeded\":true,\"responses\":[{\"response_put\":{\"header\":{\"revision\":\"2\"}}}]}"

#define EX_TXN_CREATE_FAIL \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Content-Length: 313\r\n" \
    "\r\n" \
    "{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"2\",\"raft_term\":\"2\"},\"responses\":[{\"response_range\":{\"header\":{\"revision\":\"2\"},\"kvs\":[{\"key\":\"L3ZmL3g=\",\"create_revision\":\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"YQ==\",\"lease\":\"2054101142093277448\"}],\"count\":\"1\"}}]}"

#define EX_PUT \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Content-Length: 113\r\n" \
    "\r\n" \
    "{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"3\",\"raft_term\":\"2\"}}"

#define EX_RANGE_PREFIX \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Content-Length: 349\r\n" \
    "\r\n" \
    "{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"3\",\"raft_term\":\"2\"},\"kvs\":[{\"key\":\"L3ZmL3g=\",\"create_revision\":\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"YQ==\",\"lease\":\"2054101142093277448\"},{\"key\":\"L3ZmL3k=\",\"create_revision\":\"3\",\"mod_revision\":\"3\",\"version\":\"1\",\"value\":\"aGVsbG8A/w==\"}],\"count\":\"2\"}"

#define EX_RANGE_EMPTY \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Content-Length: 113\r\n" \
    "\r\n" \
    "{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"3\",\"raft_term\":\"2\"}}"

#define EX_DELETE_IF_FAIL \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Content-Length: 113\r\n" \
    "\r\n" \
    "{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"3\",\"raft_term\":\"2\"}}"

#define EX_DELETE_IF_OK \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Content-Length: 212\r\n" \
    "\r\n" \
    "{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"4\",\"raft_term\":\"2\"},\"succeeded\":true,\"responses\":[{\"response_delete_range\":{\"header\":{\"revision\":\"4\"},\"deleted\":\"1\"}}]}"

#define EX_DELETERANGE \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Content-Length: 127\r\n" \
    "\r\n" \
    "{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"5\",\"raft_term\":\"2\"},\"deleted\":\"1\"}"

#define EX_MEMBERS \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Content-Length: 229\r\n" \
    "\r\n" \
    "{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"raft_term\":\"2\"},\"members\":[{\"ID\":\"11713819855479217281\",\"name\":\"a\",\"peerURLs\":[\"http://127.0.0.1:24036\"],\"clientURLs\":[\"http://127.0.0.1:24035\"]}]}"

#define EX_MEMBERS_UNSTARTED \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:28:02 GMT\r\n" \
    "Content-Length: 296\r\n" \
    "\r\n" \
    "{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"raft_term\":\"2\"},\"members\":[{\"ID\":\"5772134785481238793\",\"peerURLs\":[\"http://127.0.0.1:24037\"]},{\"ID\":\"11713819855479217281\",\"name\":\"a\",\"peerURLs\":[\"http://127.0.0.1:24036\"],\"clientURLs\":[\"http://127.0.0.1:24035\"]}]}"

#define EX_BADJSON \
    "HTTP/1.1 400 Bad Request\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Content-Length: 62\r\n" \
    "\r\n" \
    "{\"error\":\"unexpected EOF\",\"message\":\"unexpected EOF\",\"code\":3}"

#define EX_NOTFOUND \
    "HTTP/1.1 404 Not Found\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: text/plain; charset=utf-8\r\n" \
    "X-Content-Type-Options: nosniff\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Content-Length: 10\r\n" \
    "\r\n" \
    "Not Found\n"

#define EX_EMPTYKEY \
    "HTTP/1.1 400 Bad Request\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Trailer: Grpc-Trailer-Content-Type\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Transfer-Encoding: chunked\r\n" \
    "\r\n" \
    "60\r\n" \
    "{\"error\":\"etcdserver: key is not provided\",\"message\":\"etcdserver: key is not provided\",\"code\":3}\r\n" \
    "0\r\n" \
    "Grpc-Trailer-Content-Type: application/grpc\r\n" \
    "\r\n"

#define EX_WATCH \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:36 GMT\r\n" \
    "Transfer-Encoding: chunked\r\n" \
    "\r\n" \
    "8c\r\n" \
    "{\"result\":{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"1\",\"raft_term\":\"2\"},\"created\":true}}\n" \
    "\r\n" \
    "106\r\n" \
    "{\"result\":{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"2\",\"raft_term\":\"2\"},\"events\":[{\"kv\":{\"key\":\"L3ZmL3g=\",\"create_revision\":\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"YQ==\",\"lease\":\"2054101142093277448\"}}]}}\n" \
    "\r\n" \
    "f0\r\n" \
    "{\"result\":{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"3\",\"raft_term\":\"2\"},\"events\":[{\"kv\":{\"key\":\"L3ZmL3k=\",\"create_revision\":\"3\",\"mod_revision\":\"3\",\"version\":\"1\",\"value\":\"aGVsbG8A/w==\"}}]}}\n" \
    "\r\n" \
    "c5\r\n" \
    "{\"result\":{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"4\",\"raft_term\":\"2\"},\"events\":[{\"type\":\"DELETE\",\"kv\":{\"key\":\"L3ZmL3g=\",\"mod_revision\":\"4\"}}]}}\n" \
    "\r\n" \
    "c5\r\n" \
    "{\"result\":{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"5\",\"raft_term\":\"2\"},\"events\":[{\"type\":\"DELETE\",\"kv\":{\"key\":\"L3ZmL3k=\",\"mod_revision\":\"5\"}}]}}\n" \
    "\r\n"

#define EX_WATCH_COMPACTED \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:47 GMT\r\n" \
    "Transfer-Encoding: chunked\r\n" \
    "\r\n" \
    "8c\r\n" \
    "{\"result\":{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"5\",\"raft_term\":\"2\"},\"created\":true}}\n" \
    "\r\n" \
    "95\r\n" \
    "{\"result\":{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"raft_term\":\"2\"},\"canceled\":true,\"compact_revision\":\"5\"}}\n" \
    "\r\n"

#define EX_WATCH_SHUTDOWN \
    "HTTP/1.1 200 OK\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Grpc-Metadata-Content-Type: application/grpc\r\n" \
    "Date: Fri, 27 Nov 2026 03:28:01 GMT\r\n" \
    "Transfer-Encoding: chunked\r\n" \
    "\r\n" \
    "8c\r\n" \
    "{\"result\":{\"header\":{\"cluster_id\":\"7161023012262797005\",\"member_id\":\"11713819855479217281\",\"revision\":\"5\",\"raft_term\":\"2\"},\"created\":true}}\n" \
    "\r\n" \
    "6f\r\n" \
    "{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"transport is closing\",\"http_status\":\"Service Unavailable\"}}\r\n" \
    "0\r\n" \
    "\r\n"

#define EX_WATCH_BADJSON \
    "HTTP/1.1 500 Internal Server Error\r\n" \
    "Access-Control-Allow-Headers: accept, content-type, authorization\r\n" \
    "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n" \
    "Access-Control-Allow-Origin: *\r\n" \
    "Content-Type: application/json\r\n" \
    "Date: Fri, 27 Nov 2026 03:27:50 GMT\r\n" \
    "Content-Length: 62\r\n" \
    "\r\n" \
    "{\"error\":\"unexpected EOF\",\"message\":\"unexpected EOF\",\"code\":2}"

#endif
