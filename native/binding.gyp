{
  "targets": [
    {
      "target_name": "log_hash",
      "sources": ["log-hash.c"],
      "libraries": ["-ldl", "-lpthread"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
