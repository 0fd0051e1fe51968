# default: what `hutch run` does with no option at all, written out, for
# other profiles to start from (include default) and change.
userns auto
overlay auto
upper tmpfs
network none
seccomp default
landlock on
hostname hutch
