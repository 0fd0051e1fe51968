# httpd: a web server from its image, in the background of a service: a
# read-only root (with /run and /var/tmp on tmpfs), user-mode networking for
# -p, and the capabilities a server that binds port 80 and drops to its own
# user needs, nothing more.
include default
read-only
network auto
cap-drop ALL
cap-add NET_BIND_SERVICE
cap-add SETUID
cap-add SETGID
cap-add CHOWN
hostname httpd
