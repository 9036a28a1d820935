{#
    The provenance of every seed (publisher, document, licence, status), read
    at compile time from `config.meta` in seeds/_seeds.yml, as rows:
    select * from ({{ seed_provenance() }}) gives
    (seed_name, publisher, document, licence, status).
    One source of truth: the YAML next to the data.
#}
{% macro seed_provenance() -%}
    {%- set rows = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'seed' -%}
            {%- set meta = node.config.meta or {} -%}
            {%- do rows.append([node.name, meta.get('publisher'), meta.get('document'),
                                meta.get('licence'), meta.get('status')]) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if rows | length == 0 -%}
    select null::varchar as seed_name, null::varchar as publisher, null::varchar as document,
           null::varchar as licence, null::varchar as status
    where false
    {%- else -%}
    select * from (values
        {%- for r in rows %}
        ({% for v in r %}{% if v is none %}null{% else %}'{{ (v | string) | replace("'", "''") }}'{% endif %}{% if not loop.last %}, {% endif %}{% endfor %}){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) as t(seed_name, publisher, document, licence, status)
    {%- endif -%}
{%- endmacro %}
