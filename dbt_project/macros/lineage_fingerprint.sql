{#
    A fingerprint of the code that makes the current model's rows: the file
    checksums of the model and of every model, snapshot and seed above it
    (not the sources: their rows are the data). An incremental model stores it
    on each row and reads every input again when it changes (int_energy_reading_runs),
    so new code never leaves rows made by the old code behind. At parse time
    (nothing executes) it is the word 'parse'.
#}
{% macro lineage_fingerprint() -%}
    {%- if execute -%}
        {%- set ns = namespace(todo=[model['unique_id']], seen=[]) -%}
        {%- for _ in range(10000) -%}
            {%- if ns.todo -%}
                {%- set uid = ns.todo[0] -%}
                {%- set ns.todo = ns.todo[1:] -%}
                {%- if uid not in ns.seen and uid in graph['nodes'] -%}
                    {%- set ns.seen = ns.seen + [uid] -%}
                    {%- set ns.todo = ns.todo + graph['nodes'][uid]['depends_on']['nodes'] -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set parts = [] -%}
        {%- for uid in ns.seen | sort -%}
            {%- do parts.append(uid ~ ':' ~ graph['nodes'][uid]['checksum']['checksum']) -%}
        {%- endfor -%}
        {{- local_md5(parts | join('\n')) -}}
    {%- else -%}
        parse
    {%- endif -%}
{%- endmacro %}
