//! A deterministic generator of realistic Vietnamese citizen questions, for benchmarks and demos.
//!
//! Search and capture figures only mean something on text that looks like what recorders
//! type: 300 to 500 characters of Vietnamese with diacritics, place names that repeat across
//! questions, and a mix of named and anonymous citizens.
//! Each question is assembled from an opening about where the citizen lives, a few sentences
//! about the matter from the templates of its topic, and a closing that fits its kind.
//! The same seed gives the same questions, so two benchmark runs measure the same data.
//! The text never contains the citizen's name: as in a real file, the name sits in its own
//! field, which exports may leave out.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng, rngs::StdRng};

/// How many topics the generator spreads questions over: those of `townhall_core::seed::TOPICS`,
/// in the same order.
///
/// The template table below has exactly this many entries, so adding a topic to the seed data
/// fails to compile here until the generator has sentences for it.
pub const TOPIC_COUNT: usize = townhall_core::seed::TOPICS.len();

/// How many kinds of question there are: those of `townhall_domain::QuestionKind::ALL`.
pub const KIND_COUNT: usize = townhall_domain::QuestionKind::ALL.len();

/// A source of generated questions; the same seed always gives the same sequence.
pub struct Corpus {
    rng: StdRng,
}

/// One generated question, with the fields a recorder fills in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedQuestion {
    /// What the citizen raised, in NFC Vietnamese with diacritics, about 300 to 500 characters.
    pub content: String,
    /// The topic, as an index into `townhall_core::seed::TOPICS` (`0..TOPIC_COUNT`).
    pub topic_index: usize,
    /// The kind, as an index into `townhall_domain::QuestionKind::ALL` (`0..KIND_COUNT`):
    /// question, petition, proposal, grievance.
    pub kind_index: usize,
    /// The citizen's full name; `None` for an anonymous citizen (about 30 %).
    pub citizen_name: Option<String>,
    /// Where the citizen lives, e.g. `Thôn Đông Hải, xã Bắc Bình`; `None` when anonymous
    /// and sometimes when the recorder did not catch it.
    pub citizen_locality: Option<String>,
    /// A ten-digit Vietnamese mobile number; only for named citizens, and not all of them.
    pub phone: Option<String>,
}

impl Corpus {
    /// Starts a generator; the same `seed` gives the same questions within one version of
    /// `rand`, whose `StdRng` algorithm may change between major versions.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Generates the next question.
    pub fn question(&mut self) -> GeneratedQuestion {
        let topic_index = self.weighted(&TOPIC_TEMPLATES.map(|t| t.weight));
        let kind_index = self.weighted(&KIND_WEIGHTS);
        let place = Place {
            village: self.pick(VILLAGES),
            commune: self.pick(COMMUNES),
            road: self.pick(ROADS),
            agency: TOPIC_TEMPLATES[topic_index].agency,
        };
        let content = self.content(&place, topic_index, kind_index);

        let anonymous = self.rng.random_bool(0.3);
        let (citizen_name, citizen_locality, phone) = if anonymous {
            (None, None, None)
        } else {
            let locality = self
                .rng
                .random_bool(0.9)
                .then(|| capitalize_first(&format!("{}, {}", place.village, place.commune)));
            let phone = self.rng.random_bool(0.65).then(|| self.phone());
            (Some(self.name()), locality, phone)
        };
        GeneratedQuestion {
            content,
            topic_index,
            kind_index,
            citizen_name,
            citizen_locality,
            phone,
        }
    }

    /// Assembles the text: an opening, topic sentences in random order until the target
    /// length, and a closing for the kind, never longer than [`MAX_CONTENT_CHARS`].
    fn content(&mut self, place: &Place, topic_index: usize, kind_index: usize) -> String {
        let opening = self.pick(OPENINGS);
        let opening = self.fill(opening, place);
        let closing = self.pick(CLOSINGS[kind_index]);
        let closing = self.fill(closing, place);
        let target = self.rng.random_range(MIN_TARGET_CHARS..=MAX_TARGET_CHARS);

        let mut sentences: Vec<&str> = TOPIC_TEMPLATES[topic_index].sentences.to_vec();
        sentences.shuffle(&mut self.rng);
        let mut common: Vec<&str> = COMMON_SENTENCES.to_vec();
        common.shuffle(&mut self.rng);
        // Topic sentences come first so the text is about its topic; the common ones only
        // top up a topic whose sentences ran out before the target length.
        sentences.extend(common);

        let mut content = opening;
        let mut length = content.chars().count();
        let closing_length = closing.chars().count() + 1;
        for template in sentences {
            if length >= target {
                break;
            }
            let sentence = self.fill(template, place);
            let sentence_length = sentence.chars().count() + 1;
            if length + sentence_length + closing_length <= MAX_CONTENT_CHARS {
                content.push(' ');
                content.push_str(&sentence);
                length += sentence_length;
            }
        }
        content.push(' ');
        content.push_str(&closing);
        content
    }

    /// Replaces each `{placeholder}` in a template with a place or a random figure.
    fn fill(&mut self, template: &str, place: &Place) -> String {
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                break;
            };
            match &after[..close] {
                "thon" => out.push_str(place.village),
                "xa" => out.push_str(place.commune),
                "duong" => out.push_str(place.road),
                "co_quan" => out.push_str(place.agency),
                "nam" => out.push_str(&self.rng.random_range(2012..=2024).to_string()),
                "thang" => out.push_str(&self.rng.random_range(3..=18).to_string()),
                "so" => out.push_str(&self.rng.random_range(5..=60).to_string()),
                "tuoi" => out.push_str(&self.rng.random_range(75..=96).to_string()),
                "tien" => {
                    out.push_str(&(self.rng.random_range(2..=90) * 10).to_string());
                    out.push_str(" triệu đồng");
                }
                // An unknown placeholder is left as written; a unit test rejects any `{`.
                other => {
                    out.push('{');
                    out.push_str(other);
                    out.push('}');
                }
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        out
    }

    /// A full name: surname, middle name and given name, by sex, the way names are written.
    fn name(&mut self) -> String {
        let surname = SURNAMES[self.weighted(&SURNAMES.map(|(_, weight)| weight))].0;
        let (middles, givens) = if self.rng.random_bool(0.5) {
            (MALE_MIDDLE_NAMES, MALE_GIVEN_NAMES)
        } else {
            (FEMALE_MIDDLE_NAMES, FEMALE_GIVEN_NAMES)
        };
        format!("{surname} {} {}", self.pick(middles), self.pick(givens))
    }

    /// A mobile number: a prefix that a Vietnamese network uses, then seven digits.
    fn phone(&mut self) -> String {
        let prefix = self.pick(MOBILE_PREFIXES);
        format!("{prefix}{:07}", self.rng.random_range(0..10_000_000))
    }

    fn pick(&mut self, items: &[&'static str]) -> &'static str {
        items[self.rng.random_range(0..items.len())]
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut draw = self.rng.random_range(0..total);
        for (index, &weight) in weights.iter().enumerate() {
            if draw < weight {
                return index;
            }
            draw -= weight;
        }
        weights.len() - 1
    }
}

/// Realistic search queries for the benchmark: with and without diacritics, whole words and
/// prefixes, one letter (`d`, which must find `đ`), and places that occur often.
/// Every query finds something in a few hundred generated questions.
pub fn search_queries() -> &'static [&'static str] {
    &[
        "bac binh",
        "Bắc Bình",
        "BAC BINH",
        "đường",
        "duong",
        "giay chung nhan",
        "giấy chứng nhận quyền sử dụng đất",
        "ngập",
        "trợ cấp",
        "tro cap",
        "d",
        "Đông Hải",
        "ham thuan",
        "o nhiem",
        "nước sạch",
    ]
}

/// The text stays under this many characters, which the benchmarks rely on for row sizes.
const MAX_CONTENT_CHARS: usize = 560;
/// The shortest length, before the closing, from which no more sentences are added; the target
/// is drawn per question.
const MIN_TARGET_CHARS: usize = 220;
/// The longest such target; with the last sentence and the closing, texts end up between about
/// 300 and 560 characters, 420 on average.
const MAX_TARGET_CHARS: usize = 360;

/// Where a question is about: filled into the templates' placeholders.
struct Place {
    village: &'static str,
    commune: &'static str,
    road: &'static str,
    agency: &'static str,
}

/// The sentences about one topic, and the agency a citizen would name for it.
#[derive(Clone, Copy)]
struct TopicTemplates {
    /// How often the topic comes up, relative to the others: land and the environment
    /// dominate real dialogues.
    weight: u32,
    agency: &'static str,
    sentences: &'static [&'static str],
}

/// Question, petition, proposal, grievance.
const KIND_WEIGHTS: [u32; KIND_COUNT] = [35, 35, 15, 15];

/// In the order of `townhall_core::seed::TOPICS`.
const TOPIC_TEMPLATES: [TopicTemplates; TOPIC_COUNT] = [
    TopicTemplates {
        // Đất đai
        weight: 20,
        agency: "Sở Nông nghiệp và Môi trường",
        sentences: &[
            "Năm {nam}, gia đình tôi nộp hồ sơ xin cấp giấy chứng nhận quyền sử dụng đất cho thửa đất ở {thon} nhưng đến nay vẫn chưa được cấp.",
            "Diện tích đất thực tế của gia đình chênh lệch so với bản đồ địa chính, cán bộ địa chính hướng dẫn đo đạc lại nhiều lần mà không có kết quả.",
            "Dự án mở rộng {duong} thu hồi một phần đất của {so} hộ dân nhưng giá bồi thường thấp hơn nhiều so với giá thị trường.",
            "Một số hộ lấn chiếm đất công, xây dựng trái phép dọc {duong} mà chính quyền chưa xử lý.",
            "Tranh chấp ranh giới đất với hộ liền kề đã hòa giải ở thôn nhưng không thành, hồ sơ gửi lên {xa} đã {thang} tháng chưa có trả lời.",
            "Gia đình muốn chuyển mục đích sử dụng từ đất nông nghiệp sang đất ở để làm nhà cho con nhưng không biết thủ tục và số tiền phải nộp.",
        ],
    },
    TopicTemplates {
        // Môi trường
        weight: 9,
        agency: "Sở Nông nghiệp và Môi trường",
        sentences: &[
            "Bãi rác tạm gần {thon} bốc mùi hôi thối, ruồi nhặng nhiều, nhất là vào mùa nắng.",
            "Cơ sở chế biến hải sản ở {thon} xả nước thải chưa qua xử lý ra mương, gây ô nhiễm nguồn nước giếng của bà con.",
            "Xe chở cát chạy suốt ngày đêm trên {duong}, bụi bặm ảnh hưởng sức khỏe người dân hai bên đường.",
            "Rác thải sinh hoạt chỉ được thu gom mỗi tuần một lần, nhiều hộ phải đốt rác tại nhà.",
            "Tình trạng khai thác cát trái phép trên sông đoạn qua {thon} làm sạt lở bờ, đe dọa nhà cửa của {so} hộ dân.",
        ],
    },
    TopicTemplates {
        // Giao thông
        weight: 10,
        agency: "Sở Xây dựng",
        sentences: &[
            "Tuyến {duong} đoạn qua {thon} xuống cấp nghiêm trọng, nhiều ổ gà, mùa mưa ngập sâu, học sinh đi lại rất khó khăn.",
            "Đường liên thôn từ {thon} ra trung tâm xã được làm từ năm {nam} đến nay đã hư hỏng nặng nhưng chưa được sửa chữa.",
            "Nút giao giữa {duong} và Quốc lộ 1 không có đèn tín hiệu, đã xảy ra nhiều vụ tai nạn giao thông.",
            "Cầu tạm qua suối ở {thon} đã yếu, mỗi mùa mưa lũ bà con phải đi đường vòng hơn {so} cây số.",
            "Xe tải trọng lớn thường xuyên chạy trên đường bê tông nông thôn làm mặt đường nứt vỡ, ngập nước khi mưa.",
        ],
    },
    TopicTemplates {
        // Xây dựng và đô thị
        weight: 7,
        agency: "Sở Xây dựng",
        sentences: &[
            "Dự án khu dân cư tại {thon} được quy hoạch từ năm {nam} nhưng đến nay vẫn treo, người dân không được xây dựng, sửa chữa nhà.",
            "Hệ thống thoát nước trên {duong} bị tắc, mỗi khi mưa lớn nước ngập tràn vào nhà dân.",
            "Công trình xây dựng bên cạnh nhà tôi làm nứt tường, chủ đầu tư hứa nhưng chưa bồi thường.",
            "Đèn chiếu sáng công cộng trên {duong} hư hỏng đã {thang} tháng mà chưa được thay.",
            "Người dân chưa được công khai quy hoạch chi tiết khu vực {thon}, không biết đất của mình có nằm trong quy hoạch hay không.",
        ],
    },
    TopicTemplates {
        // Điện, nước sinh hoạt
        weight: 6,
        agency: "Công ty Điện lực tỉnh",
        sentences: &[
            "Bà con {thon} vẫn chưa có nước sạch, phải dùng nước giếng nhiễm phèn để ăn uống, sinh hoạt.",
            "Điện áp yếu vào giờ cao điểm, các thiết bị điện trong nhà không hoạt động được.",
            "Hóa đơn tiền điện tháng vừa qua của gia đình tăng gấp đôi so với trước mà không rõ lý do.",
            "Đường ống cấp nước dọc {duong} bị vỡ nhiều lần, nước chảy lênh láng nhưng sửa chữa rất chậm.",
            "Cột điện trước nhà bị nghiêng sau trận mưa bão, rất nguy hiểm cho người đi đường.",
        ],
    },
    TopicTemplates {
        // An sinh xã hội
        weight: 8,
        agency: "Sở Nội vụ",
        sentences: &[
            "Mẹ tôi năm nay {tuoi} tuổi, sống một mình, đã làm hồ sơ hưởng trợ cấp xã hội hằng tháng từ năm {nam} nhưng chưa được duyệt.",
            "Gia đình thuộc diện hộ nghèo nhưng năm nay bị đưa ra khỏi danh sách, trong khi hoàn cảnh vẫn rất khó khăn.",
            "Việc bình xét hộ cận nghèo ở {thon} chưa công khai, minh bạch, một số hộ khá giả vẫn có tên trong danh sách.",
            "Con tôi bị khuyết tật bẩm sinh, xin hỏi thủ tục hưởng trợ cấp cho người khuyết tật nặng.",
            "Tiền hỗ trợ sau đợt thiên tai năm {nam} đến nay một số hộ ở {thon} vẫn chưa nhận được.",
        ],
    },
    TopicTemplates {
        // Chính sách người có công
        weight: 4,
        agency: "Sở Nội vụ",
        sentences: &[
            "Cha tôi tham gia kháng chiến, có đủ giấy tờ nhưng hồ sơ đề nghị hưởng chế độ người có công nộp từ năm {nam} vẫn chưa được giải quyết.",
            "Mộ liệt sĩ của gia đình chưa xác định được danh tính, gia đình mong được hỗ trợ giám định ADN.",
            "Gia đình tôi là gia đình chính sách, nhà ở đã xuống cấp, xin hỏi có được hỗ trợ sửa chữa nhà theo chính sách không.",
            "Mức trợ cấp hằng tháng cho thân nhân liệt sĩ hiện nay còn thấp so với mức sống ở địa phương.",
        ],
    },
    TopicTemplates {
        // Y tế
        weight: 5,
        agency: "Sở Y tế",
        sentences: &[
            "Trạm y tế {xa} thiếu bác sĩ và thuốc, bà con phải lên tuyến trên khám bệnh, rất tốn kém.",
            "Thẻ bảo hiểm y tế của gia đình hết hạn nhưng chưa được cấp lại, khi đi khám phải trả toàn bộ chi phí.",
            "Người cao tuổi đi khám bệnh phải chờ đợi rất lâu, thủ tục còn rườm rà.",
            "Số ca sốt xuất huyết ở {thon} tăng nhanh nhưng chưa thấy phun thuốc diệt muỗi.",
        ],
    },
    TopicTemplates {
        // Giáo dục
        weight: 5,
        agency: "Sở Giáo dục và Đào tạo",
        sentences: &[
            "Điểm trường tiểu học ở {thon} xuống cấp, phòng học dột nát, mùa mưa học sinh phải nghỉ học.",
            "Các khoản thu đầu năm học còn nhiều, phụ huynh có hoàn cảnh khó khăn không đủ khả năng đóng góp.",
            "Đoạn đường trước cổng trường không có vạch kẻ đường và biển báo, giờ tan học rất nguy hiểm cho các cháu.",
            "Trường mầm non thiếu giáo viên, mỗi lớp có hơn {so} cháu.",
            "Con em đồng bào dân tộc thiểu số ở {thon} đi học xa, gia đình mong có chính sách hỗ trợ ăn ở bán trú.",
        ],
    },
    TopicTemplates {
        // Lao động – việc làm
        weight: 4,
        agency: "Sở Nội vụ",
        sentences: &[
            "Thanh niên ở {thon} học xong không có việc làm, phần lớn phải đi làm ăn xa.",
            "Công ty ở khu công nghiệp nợ lương công nhân {thang} tháng và chưa đóng bảo hiểm xã hội.",
            "Tôi bị mất việc và muốn hưởng trợ cấp thất nghiệp nhưng không biết nộp hồ sơ ở đâu.",
            "Các lớp dạy nghề ngắn hạn cho lao động nông thôn chưa phù hợp với nhu cầu tuyển dụng của doanh nghiệp.",
            "Người đi làm việc ở nước ngoài bị công ty môi giới thu phí cao hơn quy định.",
        ],
    },
    TopicTemplates {
        // Nông nghiệp
        weight: 6,
        agency: "Sở Nông nghiệp và Môi trường",
        sentences: &[
            "Mương thủy lợi dẫn nước vào đồng ruộng {thon} bị bồi lấp, vụ đông xuân năm nay nhiều diện tích lúa thiếu nước.",
            "Giá thanh long xuống thấp, người dân thua lỗ nặng, cần hỗ trợ tìm đầu ra cho sản phẩm.",
            "Dịch bệnh trên đàn heo năm {nam} làm nhiều hộ mất trắng nhưng tiền hỗ trợ chưa được chi trả.",
            "Giống lúa được cấp năm nay có tỷ lệ nảy mầm thấp, bà con bị thiệt hại.",
            "Đê bao ở {thon} bị sạt lở, mưa lớn là ruộng bị ngập, hoa màu hư hại.",
        ],
    },
    TopicTemplates {
        // Tài chính – thuế
        weight: 4,
        agency: "Thuế tỉnh",
        sentences: &[
            "Gia đình bị tính tiền sử dụng đất hơn {tien} khi làm giấy chứng nhận, xin hỏi căn cứ tính như vậy có đúng không.",
            "Hộ kinh doanh nhỏ ở chợ {xa} phải nộp thuế khoán cao so với doanh thu thực tế.",
            "Tiền bồi thường giải phóng mặt bằng dự án {duong} chậm chi trả, người dân đã bàn giao đất từ năm {nam}.",
            "Các khoản đóng góp xây dựng nông thôn mới ở {thon} chưa được công khai cho bà con biết.",
        ],
    },
    TopicTemplates {
        // Thủ tục hành chính
        weight: 4,
        agency: "Văn phòng Ủy ban nhân dân tỉnh",
        sentences: &[
            "Làm thủ tục trên cổng dịch vụ công nhưng hồ sơ bị trả lại nhiều lần mà không nói rõ lý do.",
            "Sau khi sắp xếp đơn vị hành chính, bà con {thon} phải đi xa hơn {so} cây số để làm thủ tục tại trung tâm phục vụ hành chính công.",
            "Giấy tờ cũ ghi địa chỉ huyện cũ, người dân không biết có phải làm lại các giấy tờ này sau khi sáp nhập hay không.",
            "Cán bộ một cửa hướng dẫn không thống nhất, mỗi lần đến lại yêu cầu bổ sung một loại giấy tờ khác.",
        ],
    },
    TopicTemplates {
        // An ninh trật tự
        weight: 3,
        agency: "Công an tỉnh",
        sentences: &[
            "Tình trạng thanh thiếu niên tụ tập đua xe trên {duong} vào ban đêm gây mất an ninh trật tự.",
            "Gần đây ở {thon} xảy ra nhiều vụ trộm cắp tài sản, bà con rất lo lắng.",
            "Một số đối tượng cho vay nặng lãi, đòi nợ thuê gây sức ép với người dân.",
            "Quán karaoke ở {thon} hoạt động đến khuya, gây ồn ào ảnh hưởng đến sinh hoạt của các hộ xung quanh.",
        ],
    },
    TopicTemplates {
        // Tư pháp – hộ tịch
        weight: 2,
        agency: "Sở Tư pháp",
        sentences: &[
            "Tôi làm thủ tục đăng ký khai sinh cho con nhưng bị yêu cầu bổ sung nhiều giấy tờ không cần thiết.",
            "Bản án dân sự đã có hiệu lực từ năm {nam} nhưng đến nay chưa được thi hành.",
            "Cha mẹ tôi chung sống từ trước năm 1975 nhưng không có giấy đăng ký kết hôn, nay cần xác nhận để chia thừa kế.",
            "Sau khi sắp xếp đơn vị hành chính, người dân không biết thủ tục trích lục hộ tịch thực hiện ở đâu.",
        ],
    },
    TopicTemplates {
        // Văn hóa – thông tin
        weight: 2,
        agency: "Sở Văn hóa, Thể thao và Du lịch",
        sentences: &[
            "Nhà văn hóa {thon} xuống cấp, không có chỗ cho bà con sinh hoạt cộng đồng.",
            "Hệ thống loa truyền thanh ở {thon} hư hỏng, người dân không nắm được thông tin của xã.",
            "Sóng điện thoại và internet ở {thon} rất yếu, học sinh học trực tuyến gặp nhiều khó khăn.",
            "Thiếu nhi ở {thon} không có sân chơi, các cháu phải chơi dưới lòng đường rất nguy hiểm.",
        ],
    },
    TopicTemplates {
        // Khác
        weight: 1,
        agency: "Ủy ban nhân dân tỉnh",
        sentences: &[
            "Các kiến nghị của cử tri tại buổi đối thoại năm trước đến nay vẫn chưa có văn bản trả lời.",
            "Người dân mong chính quyền tổ chức đối thoại thường xuyên hơn để được trình bày ý kiến trực tiếp.",
            "Việc đặt tên đường mới sau sáp nhập còn trùng lặp, gây khó khăn cho việc gửi nhận bưu phẩm.",
            "Thông tin về các chương trình hỗ trợ của nhà nước chưa đến được với người dân ở {thon}.",
        ],
    },
];

/// Sentences that fit any topic, used when a topic's own sentences run out.
const COMMON_SENTENCES: &[&str] = &[
    "Bà con đã nhiều lần phản ánh tại các buổi tiếp xúc cử tri.",
    "Việc này ảnh hưởng trực tiếp đến đời sống và sản xuất của nhiều hộ dân.",
    "Người dân rất mong được lãnh đạo quan tâm.",
    "Tổ trưởng tổ dân phố và trưởng thôn đã báo cáo lên xã nhưng chưa có kết quả.",
];

/// How citizens start: who they are and where they live.
const OPENINGS: &[&str] = &[
    "Gia đình tôi sinh sống tại {thon}, {xa}.",
    "Tôi là người dân {thon}, {xa}, xin phản ánh một việc đã kéo dài nhiều năm.",
    "Thay mặt bà con {thon}, {xa}, tôi xin trình bày như sau.",
    "Cử tri {thon}, {xa} phản ánh như sau.",
    "Tôi ở {thon}, {xa}, xin được trình bày với lãnh đạo.",
];

/// How citizens end, by kind: a question asks, a petition and a proposal ask for action,
/// a grievance complains that nothing happened.
const CLOSINGS: [&[&str]; KIND_COUNT] = [
    &[
        "Xin hỏi khi nào cơ quan có thẩm quyền giải quyết dứt điểm việc này?",
        "Xin hỏi trách nhiệm giải quyết thuộc cơ quan nào và bao giờ người dân nhận được trả lời?",
        "Đề nghị lãnh đạo cho biết hướng giải quyết cụ thể và thời gian thực hiện.",
    ],
    &[
        "Kiến nghị {co_quan} sớm kiểm tra, giải quyết để ổn định cuộc sống cho bà con.",
        "Kính đề nghị lãnh đạo tỉnh chỉ đạo các ngành liên quan xem xét, giải quyết dứt điểm.",
    ],
    &[
        "Tôi đề xuất {co_quan} bố trí kinh phí thực hiện ngay trong năm nay.",
        "Đề xuất chính quyền {xa} phối hợp với {co_quan} khảo sát thực tế và có phương án xử lý.",
    ],
    &[
        "Việc này đã phản ánh nhiều lần qua trưởng thôn nhưng đến nay vẫn chưa được khắc phục.",
        "Bà con rất bức xúc vì đã phản ánh từ năm {nam} nhưng chưa thấy cơ quan chức năng vào cuộc.",
    ],
];

/// Villages and residential groups, as written in running text; several start with `Đ` so
/// that searching `d` has many hits.
const VILLAGES: &[&str] = &[
    "thôn Đông Hải",
    "thôn Bình Lợi",
    "thôn Hồng Lâm",
    "thôn Tân Thuận",
    "thôn Xuân Hòa",
    "thôn Phú Điền",
    "thôn Thanh Lương",
    "thôn Đồng Mé",
    "thôn Đại Điền",
    "thôn Lạc Trị",
    "khu phố 3",
    "khu phố Lạc Đạo",
];

/// Communes and wards of the demo province, as written in running text.
const COMMUNES: &[&str] = &[
    "xã Bắc Bình",
    "xã Hàm Thuận Bắc",
    "xã Hàm Thuận Nam",
    "phường Hàm Thắng",
    "xã Hòa Thắng",
    "xã Hải Ninh",
    "xã Đức Linh",
    "phường Mũi Né",
    "phường Phan Thiết",
    "xã Lương Sơn",
];

/// Roads, mostly written with `đường` as people say them.
const ROADS: &[&str] = &[
    "đường Trần Hưng Đạo",
    "đường Nguyễn Tất Thành",
    "đường Võ Văn Kiệt",
    "đường Lê Duẩn",
    "đường ĐT.711",
    "đường ĐT.716",
    "đường Hàm Thuận – Đa Mi",
    "đường liên xã Hòa Thắng – Hồng Phong",
    "Quốc lộ 28",
];

/// Surnames with their rough share in a hundred: about four in ten Vietnamese are Nguyễn.
const SURNAMES: [(&str, u32); 16] = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Huỳnh", 5),
    ("Phan", 4),
    ("Võ", 4),
    ("Vũ", 3),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 2),
    ("Lý", 2),
];

const MALE_MIDDLE_NAMES: &[&str] = &["Văn", "Đức", "Minh", "Hữu", "Quốc", "Thanh", "Công"];
const MALE_GIVEN_NAMES: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Long", "Nam", "Phúc", "Quang", "Sơn",
    "Tâm", "Thắng", "Thọ", "Tuấn", "Việt",
];
const FEMALE_MIDDLE_NAMES: &[&str] = &["Thị", "Ngọc", "Thu", "Thị Thanh", "Thị Kim", "Mỹ"];
const FEMALE_GIVEN_NAMES: &[&str] = &[
    "Bích", "Dung", "Đào", "Hằng", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nhung", "Thảo", "Trang",
    "Tuyết", "Yến",
];

/// Mobile prefixes in use by Viettel, Vinaphone, MobiFone, Vietnamobile and Gmobile.
const MOBILE_PREFIXES: &[&str] = &[
    "032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098", "081",
    "082", "083", "084", "085", "088", "091", "094", "070", "076", "077", "078", "079", "089",
    "090", "093", "052", "056", "058", "092", "059", "099",
];

/// `thôn Đông Hải` → `Thôn Đông Hải`, for a field that starts with the name.
fn capitalize_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use townhall_domain::QuestionKind;
    use townhall_domain::validate::{self, TextRule};

    use super::*;

    fn generate(seed: u64, count: usize) -> Vec<GeneratedQuestion> {
        let mut corpus = Corpus::new(seed);
        (0..count).map(|_| corpus.question()).collect()
    }

    #[test]
    fn same_seed_same_questions() {
        assert_eq!(generate(7, 200), generate(7, 200));
        assert_ne!(generate(7, 20), generate(8, 20));
    }

    #[test]
    fn questions_pass_the_domain_rules() {
        for (i, question) in generate(1, 2_000).iter().enumerate() {
            let content = &question.content;
            let length = content.chars().count();
            assert!(
                (200..=600).contains(&length),
                "#{i}: {length} chars: {content}"
            );
            assert!(
                !content.contains(['{', '}']),
                "#{i}: unfilled placeholder: {content}"
            );
            assert!(
                !content.chars().any(char::is_control),
                "#{i}: control char: {content}"
            );
            // The domain's text rule normalises to NFC and trims: an unchanged result means
            // the content already is what a recorder's tablet would store.
            let stored = validate::text("content", content, TextRule::CONTENT);
            assert_eq!(stored.as_ref(), Ok(content), "#{i}");
            assert!(question.topic_index < TOPIC_COUNT, "#{i}");
            assert!(question.kind_index < KIND_COUNT, "#{i}");
            for line in [&question.citizen_name, &question.citizen_locality]
                .into_iter()
                .flatten()
            {
                assert_eq!(
                    validate::text("line", line, TextRule::LINE).as_ref(),
                    Ok(line),
                    "#{i}"
                );
            }
            if let Some(phone) = &question.phone {
                let checked = validate::phone("phone", phone).map(|p| p.to_string());
                assert_eq!(checked.as_ref(), Ok(phone), "#{i}");
            }
            if question.citizen_name.is_none() {
                assert_eq!(
                    (&question.citizen_locality, &question.phone),
                    (&None, &None),
                    "#{i}"
                );
            }
        }
    }

    #[test]
    fn mix_is_realistic() {
        let questions = generate(3, 2_000);
        let anonymous = questions
            .iter()
            .filter(|q| q.citizen_name.is_none())
            .count();
        assert!(
            (500..=700).contains(&anonymous),
            "{anonymous} anonymous of 2000"
        );
        let mean = questions
            .iter()
            .map(|q| q.content.chars().count())
            .sum::<usize>()
            / 2_000;
        assert!((300..=500).contains(&mean), "mean length {mean}");
        for topic in 0..TOPIC_COUNT {
            assert!(
                questions.iter().any(|q| q.topic_index == topic),
                "topic {topic} never drawn"
            );
        }
        for kind in 0..KIND_COUNT {
            assert!(
                questions.iter().any(|q| q.kind_index == kind),
                "kind {kind} never drawn"
            );
        }
        let joined: String = questions.iter().map(|q| q.content.as_str()).collect();
        for place in [
            "Bắc Bình",
            "đường",
            "Đông Hải",
            "Hàm Thuận",
            "ngập",
            "trợ cấp",
        ] {
            assert!(joined.contains(place), "no question mentions {place}");
        }
    }

    #[test]
    fn kinds_are_in_the_order_of_the_closings() {
        // The closings are written for the kinds in this order.
        assert_eq!(
            QuestionKind::ALL,
            [
                QuestionKind::Question,
                QuestionKind::Petition,
                QuestionKind::Proposal,
                QuestionKind::Grievance
            ]
        );
    }

    #[test]
    fn capitalizes_the_first_letter_only() {
        let check = |input: &str, expected: &str| assert_eq!(capitalize_first(input), expected);
        check("thôn Đông Hải, xã Bắc Bình", "Thôn Đông Hải, xã Bắc Bình");
        check("đường", "Đường");
        check("", "");
    }
}
