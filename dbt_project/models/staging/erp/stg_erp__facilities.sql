with

source as (

    select * from {{ source('erp', 'facilities') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('facility_id') }} as facility_id,
        {{ clean_text('entity_id') }} as entity_id,

        -- attributes
        {{ clean_text('facility_name') }} as facility_name,
        {{ normalize_iso_code('country') }} as country_code,
        -- free text as reported ('Guangdong', '广东', '广东省'); resolved to a
        -- province code through the cn_province_aliases seed downstream
        {{ clean_text('province') }} as province,

        -- an installation covered by an emissions trading scheme (docs/methods.md M-CP-02);
        -- null when the file does not say
        ets_installation as is_ets_installation,

        -- dates
        opened_on as opened_date,
        closed_on as closed_date,

        -- lineage
        {{ lineage_columns('erp__facilities') }}

    from source

)

select * from renamed
