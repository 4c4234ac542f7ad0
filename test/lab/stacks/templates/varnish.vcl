# Varnish in front of the lab app. The named slots are filled per scenario; {{app_port}} by the launcher.
vcl 4.1;

backend default {
    .host = "127.0.0.1";
    .port = "{{app_port}}";
}

# --- top level (other subs, imports) ---
{{top}}

sub vcl_recv {
    # --- vcl_recv ---
{{vcl_recv}}
}

sub vcl_backend_response {
    # --- vcl_backend_response ---
{{vcl_backend_response}}
}

sub vcl_deliver {
    # --- vcl_deliver ---
{{vcl_deliver}}
}

sub vcl_synth {
    # --- vcl_synth ---
{{vcl_synth}}
}
