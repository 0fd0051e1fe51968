# shell: an interactive shell in a throwaway root, with a terminal, as
# `podman run -it` gives one.
include default
tty
hostname shell
env PS1=[hutch] \w \$ 
