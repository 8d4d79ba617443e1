{
  "targets": [
    {
      "target_name": "tinkernet_tap",
      "conditions": [
        ["OS=='linux'", {
          "sources": ["native/tap.cc"],
          "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"]
        }, {
          "type": "none"
        }]
      ]
    }
  ]
}
