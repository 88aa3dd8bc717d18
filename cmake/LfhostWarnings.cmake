# lfh_strict(target): the warning set every target of ours builds with.
function(lfh_strict target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
                                           -Wmissing-prototypes -Wformat=2 -Wvla)
endfunction()
