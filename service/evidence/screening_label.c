/* screening_label.c — the Japanese label of a screening code (verdicts, decisions, listings,
 * standings and kinds of evidence, warnings), apart from screening.c so that a client printing
 * a screening (ismapctl) does not link the screening itself, the importers and the store. */
#include "ismap/evidence.h"

#include <string.h>

const char *ism_screening_label(const char *code)
{
    static const struct {
        const char *code, *ja;
    } map[] = {
        /* verdicts */
        {"met", "適合"},
        {"unmet", "不適合"},
        {"alternative", "代替策要確認"},
        {"no_evidence", "証跡不足"},
        {"not_required", "回答不要（ISMAP登録済）"},
        {"info", "情報"},
        /* decisions */
        {"listed", "ISMAP登録済"},
        {"unmet_requirements", "不適合あり"},
        {"incomplete", "証跡不足あり"},
        {"review_alternatives", "代替策の確認が必要"},
        {"all_met", "すべて適合"},
        /* listing */
        {"expired", "期限切れ"},
        {"not_listed", "未掲載"},
        {"no_list", "ISMAPリスト未取込"},
        {"unknown", "不明"},
        /* standings of evidence */
        {"supports", "裏付けあり"},
        {"partial", "一部のみ"},
        {"against", "反証あり"},
        {"stale", "期間経過"},
        {"not_evidence", "証跡として不可"},
        /* kinds of evidence */
        {"questionnaire", "別紙回答"},
        {"soc2", "SOC 2 報告書"},
        {"iso-cert", "ISO 認証"},
        {"soa", "適用宣言書"},
        {"caiq", "CAIQ"},
        {"file", "文書"},
        {"ismap-list", "ISMAPリスト"},
        /* warnings */
        {"listing_claim", "別紙2の登録回答と照合結果が不一致"},
        {"listing_list", "掲載リストの相違"},
        {"listing_conflict", "対象の名称と別紙2が矛盾"},
        {"liu_3b", "ISMAP-LIUと機密性3B"},
        {"list_age", "ISMAPリストが古い"},
        {"carve_out", "除外方式の再委託先"},
        {"no_alternative", "代替策の記載なし"},
        {"name_mismatch", "項目名の相違"},
        {"ismap_number_mismatch", "管理基準番号の相違"},
        {"requirement_changed", "概要要件の変更"},
        {"future_dated", "未来日付の証跡"},
        {"cell_truncated", "セルの切り詰め"},
    };
    for (size_t i = 0; code && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].code, code)) return map[i].ja;
    return code ? code : "";
}
