# bash completion for saasguard(1).
# Commands, subcommands, options and --format values come from the program's
# own --help text; countermeasure ids from `saasguard catalog list --format
# csv`; collector names for `check --only` from the profile on the line.

_saasguard_help()
{
	command saasguard --lang en "$@" --help 2>/dev/null
}

_saasguard_ids()
{
	command saasguard --lang en catalog list --format csv 2>/dev/null |
		sed -e '1d' -e 's/^\xef\xbb\xbf//' -e 's/,.*//' -e 's/\r$//'
}

# The collector names configured in a profile's collectors: section, else
# every collector the program knows.
_saasguard_profile_checks()
{
	local profile=$1 names=
	if [[ -r $profile ]]; then
		names=$(awk '/^collectors:/ {on=1; next}
			on && /^[^ #]/ {on=0}
			on && /^  [a-z_]+:/ {sub(/^  /, ""); sub(/:.*/, ""); if ($0 != "timeout") print}' \
			"$profile")
	fi
	if [[ -z $names ]]; then
		names=$(_saasguard_help check | sed -n 's/^Collectors: //p' | tr -d ',')
	fi
	echo "$names"
}

_saasguard()
{
	local cur prev words cword
	_init_completion -n = || return

	local cmd= sub= i profile=
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--lang) ((i++)) ;;
		-*) ;;
		*)
			if [[ -z $cmd ]]; then
				cmd=${words[i]}
			elif [[ -z $sub ]]; then
				sub=${words[i]}
				[[ $sub == *.yaml || $sub == *.yml ]] && profile=$sub
			fi
			;;
		esac
	done

	if [[ $prev == --lang ]]; then
		COMPREPLY=($(compgen -W 'ja en' -- "$cur"))
		return
	fi
	if [[ -z $cmd ]]; then
		local cmds
		cmds=$(_saasguard_help | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1}')
		COMPREPLY=($(compgen -W "$cmds --help --version --lang" -- "$cur"))
		return
	fi

	local help
	help=$(_saasguard_help "$cmd")
	case $prev in
	--format)
		# The values after --format on the usage lines of this command.
		COMPREPLY=($(compgen -W "$(grep -o -- '--format [a-z|]*' <<<"$help" |
			sed 's/--format //' | tr '|' ' ')" -- "$cur"))
		return
		;;
	--only)
		COMPREPLY=($(compgen -W "$(_saasguard_profile_checks "$profile")" -- "${cur##*,}"))
		[[ $cur == *,* ]] && COMPREPLY=("${COMPREPLY[@]/#/${cur%,*},}")
		return
		;;
	--level)
		COMPREPLY=($(compgen -W 'basic recommended' -- "$cur"))
		return
		;;
	--part)
		COMPREPLY=($(compgen -W 'II III' -- "$cur"))
		return
		;;
	--pattern)
		COMPREPLY=($(compgen -W '1 2 3 4 5 6' -- "$cur"))
		return
		;;
	--audience)
		COMPREPLY=($(compgen -W 'users managers' -- "$cur"))
		return
		;;
	--availability)
		COMPREPLY=($(compgen -W 'high medium low' -- "$cur"))
		return
		;;
	--personal-information | --trade-secrets)
		COMPREPLY=($(compgen -W 'yes no' -- "$cur"))
		return
		;;
	--db | --output | --key | --profile | --evidence | --public-key | --tsa-ca | --message-file)
		_filedir
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u) --help" \
			-- "$cur"))
		return
	fi

	# Subcommands: the words after "saasguard CMD" on the usage lines.
	local subs
	subs=$(grep -o "saasguard $cmd [a-z][a-z-]*" <<<"$help" | awk '{print $3}' | sort -u)
	if [[ -n $subs && -z $sub ]]; then
		COMPREPLY=($(compgen -W "$subs" -- "$cur"))
		return
	fi
	case $cmd in
	attest)
		[[ -z $sub ]] && COMPREPLY=($(compgen -W "$(_saasguard_ids)" -- "$cur")) && return
		;;
	catalog)
		[[ $sub == show ]] && COMPREPLY=($(compgen -W "$(_saasguard_ids)" -- "$cur")) && return
		;;
	esac
	_filedir
}
complete -F _saasguard saasguard
