#!/bin/sh
# A custom bootloader backend as a user would write one for tandem's "custom" bootloader (RAUC's contract).
# It keeps its state in files beside itself, in state/: "order" (bootnames, tried left to right) and
# "<bootname>" (good or bad). get-primary prints the first good slot in order.
set -eu
dir="$(dirname "$0")/state"
known() {
    for s in $(cat "$dir/order"); do [ "$s" = "$1" ] && return 0; done
    echo "unknown slot: $1" >&2
    exit 2
}
case "${1:-}" in
get-primary)
    for s in $(cat "$dir/order"); do
        if [ "$(cat "$dir/$s")" = good ]; then echo "$s"; exit 0; fi
    done
    ;;
set-primary)
    known "${2:-}"
    order="$2"
    for s in $(cat "$dir/order"); do [ "$s" = "$2" ] || order="$order $s"; done
    echo "$order" > "$dir/order.new" && mv "$dir/order.new" "$dir/order"
    echo good > "$dir/$2"
    ;;
get-state)
    known "${2:-}"
    cat "$dir/$2"
    ;;
set-state)
    known "${2:-}"
    case "${3:-}" in
    good|bad) echo "$3" > "$dir/$2" ;;
    *) echo "set-state: expected good or bad, got '${3:-}'" >&2; exit 2 ;;
    esac
    ;;
*)
    echo "unknown command: ${1:-}" >&2
    exit 1
    ;;
esac
