                when 'product' then nullif(trim(product), '')
                when 'category' then nullif(trim(category), '')
                when 'discount_code' then
                    case when nullif(trim(discount_code), '') is null then 'no code'
                        else 'with code' end
                when 'delivered_late' then
                    case delivered_late when true then 'late' when false then 'on time' end
                when 'returned' then
                    case returned when true then 'returned' when false then 'not returned' end
