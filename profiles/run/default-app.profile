# default-app: a program of this system (hutch app) that has no profile of
# its own: the container defaults, but you keep your own ids inside; no
# network, an empty home.
include default
userns keep-id
network none
home tmpfs
