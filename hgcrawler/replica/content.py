# ruff: noqa: E501  (long Vietnamese sentences are kept on one line)
"""Text bank of the replica portal: the one real article, and the pieces
generated articles are assembled from.

Everything here is written in NFC. The seed article is copied from a text dump
of a real page of the portal; the rest imitates its style (provincial party
news: meetings, conferences, agriculture, security, culture). People named in
generated articles are fictional.
"""

from __future__ import annotations

# --------------------------------------------------------------------------
# The seed article (a real page, reproduced exactly)
# --------------------------------------------------------------------------
SEED_CATEGORY = "Tin trong tỉnh"
SEED_TITLE = (
    "Thường trực Tỉnh ủy làm việc định kỳ với các cơ quan, tham mưu giúp"
    " việc Tỉnh ủy và các cơ quan có liên quan"
)

SEED_META_LINE = "[ Cập nhật vào ngày (18/03/2021) ] - [ Số lần xem: 361 ]"
SEED_LEDE = (
    "Chiều ngày 17/3/2021, Thường trực Tỉnh ủy có buổi làm việc với cơ quan"
    " tham mưu, giúp việc Tỉnh ủy, Đảng ủy Khối các cơ quan và doanh nghiệp"
    " tỉnh, Trường Chính trị, Báo Hậu Giang và Ban Bảo vệ, chăm sóc sức"
    " khỏe cán bộ Tỉnh ủy. Dự và chủ trì buổi làm việc có đồng chí Lê Tiến"
    " Châu, Ủy viên BCH Trung ương Đảng, Bí thư Tỉnh ủy, đồng chí Đồng Văn"
    " Thanh, Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh và một số sở, ngành có"
    " liên quan."
)

SEED_IMAGE_FILE = "318..jpg"
SEED_CAPTION = "Quang cảnh buổi làm việc"
SEED_BODY = (
    (
        "Trong quý I, các cơ quan, đơn vi đã tham mưu tốt cho Thường trực, Ban"
        " Thường vụ Tỉnh ủy lãnh đạo, chỉ đạo thực hiện các hoạt động Tết, lễ"
        " kỷ niệm, các sự kiện quan trọng, được cán bộ, đảng viên và Nhân dân"
        " đồng thuận và đánh giá cao; giúp Thường trực, Ban Thường vụ Tỉnh ủy"
        " lãnh đạo tốt công tác cán bộ, công tác chính trị, tư tưởng, tuyên"
        " truyền, quán triệt và cụ thể hóa thực hiện Chương trình hành động"
        " thực hiện Nghị quyết Đại hội Đảng bộ tỉnh lần thứ XIV, nhiệm kỳ 2020"
        " - 2025; thông báo nhanh kết quả Đại hội đại biểu toàn quốc lần thứ"
        " XIII của Đảng. Chủ động trong xây dựng Chương trình kiểm tra, giám"
        " sát năm 2021 của Ban Thường vụ Tỉnh ủy. Công tác dân vận của Đảng có"
        " nhiều chuyển biến; kịp thời phối hợp tham mưu sơ, tổng kết một số văn"
        " bản của Trung ương, của Tỉnh ủy liên quan đến công tác dân vận và các"
        " đoàn thể; chủ động trong chuẩn bị cho việc tổ chức buổi gặp gỡ, đối"
        " thoại trực tiếp của người đứng đầu cấp ủy, chính quyền với học sinh,"
        " sinh viên, trí thức, chuyên gia, nhà khoa học. Bên cạnh những kết quả"
        " đạt được trên, vẫn còn một số hạn chế, tồn tại như sau: Công tác tham"
        " mưu xây dựng dự thảo các đề án tiến độ thực hiện còn chậm; công tác"
        " quản lý, đánh giá, xếp loại chất lượng ở một số tổ chức đảng còn lúng"
        " túng; chất lượng khám sức khỏe và điều trị cho cán bộ Tỉnh ủy quản lý"
        " đôi lúc chưa đảm bảo yêu cầu, cơ sở vật chất y tế còn hạn chế."
    ),
    (
        "Để thực hiện tốt hơn các nhiệm vụ trong thời gian tới, đồng chí Bí thư"
        " Tỉnh ủy dề nghị các cơ quan, đơn vị chủ động rà soát lại toàn bộ các"
        " kết luận của Thường trực Tỉnh ủy, chương trình, kế hoạch công tác để"
        " tập trung thực hiện đảm bảo đúng tiến độ, không để sót nhiệm vụ. Tham"
        " mưu Thường trực, Ban Thường vụ Tỉnh ủy thực hiện tốt hơn nữa công tác"
        " tham mưu điều động, bổ nhiệm sắp xếp bố trí cán bộ gắn với phân công"
        " đồng chí Ban Chấp hành Tỉnh ủy và kiện toàn các chức danh để chuẩn bị"
        " cho bầu cử đại biểu Quốc hội, Hội đồng nhân dân các cấp nhiệm kỳ 2021"
        " - 2026, đảm bảo quy định. Xây dựng kế hoạch tổ chức, triển khai, học"
        " tập quán triệt Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIII của"
        " Đảng. Phối hợp thực hiện tốt công tác tuyên truyền và tổ chức các"
        " hoạt động chào mừng các ngày lễ, kỷ niệm, các sự kiện trọng đại của"
        " đất nước, của tỉnh trong quý II/2021, đảm bảo chu đáo, ý nghĩa, tiết"
        " kiệm và tuân thủ công tác phòng, chống dịch Covid-19; trọng tâm là"
        " tuyên truyền bầu cử đại biểu Quốc hội khóa XV và bầu cử đại biểu Hội"
        " đồng nhân dân các cấp nhiệm kỳ 2020 - 2025. Tham mưu chỉ đạo tốt Đại"
        " hội đại biểu phụ nữ các cấp trong tỉnh tiến tới Đại hội đại biểu phụ"
        " nữ toàn quốc lần thứ XIII nhiệm kỳ 2022 – 2027; tham mưu thực hiện"
        " các nội dung kiểm tra, giám sát năm 2021 của Ban Thường vụ Tỉnh ủy"
        " theo tiến độ, đúng quy trình."
    ),
)
SEED_AUTHOR = "Hoàng Ý"


# --------------------------------------------------------------------------
# Categories: (slug, name as displayed). The order is the top-menu order.
# --------------------------------------------------------------------------
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("tin-trong-tinh", "Tin trong tỉnh"),
    ("xay-dung-dang", "Xây dựng Đảng"),
    ("kinh-te", "Kinh tế"),
    ("van-hoa-xa-hoi", "Văn hóa - Xã hội"),
    ("quoc-phong-an-ninh", "Quốc phòng - An ninh"),
    ("tin-trong-nuoc", "Tin trong nước"),
)

# Share of articles per category, in percent (same order as CATEGORIES).
CATEGORY_WEIGHTS: tuple[int, ...] = (30, 18, 15, 15, 10, 12)

# Localities of Hậu Giang (used by the five provincial categories).
LOCALITIES: tuple[str, ...] = (
    "thành phố Vị Thanh",
    "thành phố Ngã Bảy",
    "thị xã Long Mỹ",
    "huyện Châu Thành",
    "huyện Châu Thành A",
    "huyện Phụng Hiệp",
    "huyện Vị Thủy",
    "huyện Long Mỹ",
    "xã Tân Phú Thạnh",
    "xã Thạnh Xuân",
    "xã Nhơn Nghĩa A",
    "xã Trường Long Tây",
    "xã Đông Thạnh",
    "xã Phú Hữu",
    "xã Đông Phước",
    "xã Phú Tân",
    "thị trấn Ngã Sáu",
    "thị trấn Mái Dầm",
    "thị trấn Một Ngàn",
    "thị trấn Rạch Gòi",
    "thị trấn Cây Dương",
    "thị trấn Kinh Cùng",
    "xã Hòa An",
    "xã Tân Bình",
    "xã Phương Bình",
    "xã Hiệp Hưng",
    "xã Long Thạnh",
    "thị trấn Nàng Mau",
    "xã Vị Thắng",
    "xã Vị Bình",
    "xã Vĩnh Thuận Tây",
    "xã Vị Đông",
    "xã Vĩnh Viễn",
    "xã Lương Tâm",
    "xã Xà Phiên",
    "xã Thuận Hưng",
    "phường Lái Hiếu",
    "phường Hiệp Thành",
    "xã Tân Thành",
    "xã Hỏa Lựu",
    "xã Hỏa Tiến",
    "xã Vị Tân",
    "xã Long Bình",
    "xã Long Trị",
    "xã Tân Phước Hưng",
    "xã Hòa Mỹ",
    "xã Tân Long",
    "xã Vị Thủy",
)

# Provinces and cities (used by "Tin trong nước").
PROVINCES: tuple[str, ...] = (
    "Hà Nội",
    "Thành phố Hồ Chí Minh",
    "Cần Thơ",
    "Sóc Trăng",
    "Bạc Liêu",
    "Cà Mau",
    "Kiên Giang",
    "An Giang",
    "Đồng Tháp",
    "Vĩnh Long",
    "Trà Vinh",
    "Bến Tre",
    "Tiền Giang",
    "Long An",
    "Đà Nẵng",
    "Hải Phòng",
    "Thừa Thiên Huế",
    "Quảng Nam",
    "Quảng Ninh",
    "Nghệ An",
    "Thanh Hóa",
    "Lâm Đồng",
    "Đắk Lắk",
    "Bình Dương",
    "Đồng Nai",
    "Khánh Hòa",
    "Bình Định",
    "Gia Lai",
    "Hà Tĩnh",
    "Ninh Bình",
)

# Title templates per category slug. Every template has one {place} (or
# {Place}, capitalised) slot and one {x} slot filled from TOPICS[slug].
TITLE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "tin-trong-tinh": (
        "Thường trực Tỉnh ủy làm việc với {place} về {x}",
        "Đoàn công tác của Tỉnh ủy kiểm tra {x} tại {place}",
        "Lãnh đạo tỉnh tiếp xúc cử tri {place}, lắng nghe ý kiến về {x}",
        "{Place} sơ kết {x}",
        "Hội nghị bàn giải pháp đẩy mạnh {x} ở {place}",
        "Ủy ban nhân dân tỉnh chỉ đạo {place} tập trung {x}",
        "Bí thư Tỉnh ủy thăm, làm việc tại {place} về {x}",
        "Ban Thường vụ Tỉnh ủy cho ý kiến về {x} của {place}",
        "{Place}: Triển khai kế hoạch {x}",
        "Hội đồng nhân dân tỉnh giám sát {x} tại {place}",
        "{Place} tổng kết {x}",
        "Phó Chủ tịch UBND tỉnh kiểm tra tiến độ {x} tại {place}",
    ),
    "xay-dung-dang": (
        "Đảng bộ {place} quán triệt {x}",
        "Ban Tuyên giáo Tỉnh ủy kiểm tra {x} tại Đảng bộ {place}",
        "Ủy ban Kiểm tra Tỉnh ủy giám sát {x} ở {place}",
        "{Place}: Nâng cao chất lượng {x}",
        "Hội nghị sơ kết {x} của Đảng bộ {place}",
        "Các chi bộ ấp thuộc {place} đẩy mạnh {x}",
        "Ban Tổ chức Tỉnh ủy hướng dẫn {place} về {x}",
        "Đảng ủy {place} tổ chức hội thi tìm hiểu {x}",
        "Nâng cao năng lực lãnh đạo qua {x} ở {place}",
        "Nhìn lại {x} ở {place}",
        "Tăng cường {x} trong Đảng bộ {place}",
        "Cấp ủy {place} rút kinh nghiệm về {x}",
    ),
    "kinh-te": (
        "{Place}: Hiệu quả từ {x}",
        "Phát triển {x} tại {place}",
        "Nông dân {place} thu lãi khá từ {x}",
        "Hội thảo thúc đẩy {x} ở {place}",
        "Doanh nghiệp đầu tư {x} tại {place}",
        "{Place} đẩy mạnh {x}",
        "Khảo sát tiềm năng {x} tại {place}",
        "Nhân rộng mô hình {x} ở {place}",
        "Hỗ trợ vốn cho {x} tại {place}",
        "Tháo gỡ khó khăn cho {x} tại {place}",
        "Hợp tác xã ở {place} liên kết tiêu thụ {x}",
        "Chuyển đổi cơ cấu sản xuất gắn với {x} ở {place}",
    ),
    "van-hoa-xa-hoi": (
        "Sôi nổi hoạt động {x} ở {place}",
        "{Place} ra quân {x}",
        "Đoàn viên thanh niên {place} hưởng ứng {x}",
        "Tổng kết {x} tại {place}",
        "{Place}: Nhiều kết quả từ {x}",
        "Mặt trận Tổ quốc {place} phối hợp thực hiện {x}",
        "Hội Liên hiệp Phụ nữ {place} triển khai {x}",
        "Ngành y tế hỗ trợ {place} trong {x}",
        "Phát động {x} trên địa bàn {place}",
        "Hơn 200 người tham gia {x} tại {place}",
        "Sở Văn hóa, Thể thao và Du lịch kiểm tra {x} ở {place}",
        "Ấm áp {x} tại {place}",
    ),
    "quoc-phong-an-ninh": (
        "Công an {place} đẩy mạnh {x}",
        "Ban Chỉ huy Quân sự {place} tổng kết {x}",
        "{Place}: Tăng cường {x}",
        "Bộ Chỉ huy Quân sự tỉnh kiểm tra {x} tại {place}",
        "Hội nghị rút kinh nghiệm {x} ở {place}",
        "Nâng cao hiệu quả {x} tại {place}",
        "Công an tỉnh phối hợp với {place} ra quân {x}",
        "Sơ kết 6 tháng công tác {x} tại {place}",
        "Lực lượng vũ trang {place} thi đua {x}",
        "Tập huấn nghiệp vụ {x} cho cán bộ {place}",
    ),
    "tin-trong-nuoc": (
        "Thủ tướng Chính phủ làm việc với {place} về {x}",
        "Chủ tịch nước thăm, làm việc tại {place} về {x}",
        "Đoàn công tác Trung ương khảo sát {x} tại {place}",
        "{Place} đạt nhiều kết quả trong {x}",
        "Hội nghị toàn quốc về {x} diễn ra tại {place}",
        "{Place}: Đẩy mạnh {x}",
        "Phó Thủ tướng kiểm tra {x} tại {place}",
        "Kinh nghiệm {x} của {place}",
        "Ban Bí thư làm việc với {place} về {x}",
        "Quốc hội giám sát {x} tại {place}",
    ),
}

TOPICS: dict[str, tuple[str, ...]] = {
    "tin-trong-tinh": (
        "công tác cán bộ",
        "tình hình kinh tế - xã hội",
        "công tác phòng, chống dịch Covid-19",
        "xây dựng nông thôn mới",
        "công tác cải cách hành chính",
        "chương trình giảm nghèo bền vững",
        "công tác bầu cử",
        "công tác dân vận",
        "phát triển đô thị",
        "công tác chuyển đổi số",
        "giải quyết khiếu nại, tố cáo",
        "thu ngân sách nhà nước",
        "giải ngân vốn đầu tư công",
        "công tác quy hoạch",
        "chính sách an sinh xã hội",
        "phòng, chống thiên tai",
        "công tác tiếp công dân",
        "xây dựng chính quyền điện tử",
        "thực hiện Nghị quyết Đại hội Đảng bộ",
        "hỗ trợ người dân gặp khó khăn",
    ),
    "xay-dung-dang": (
        "sinh hoạt chi bộ",
        "công tác phát triển đảng viên",
        "Nghị quyết Trung ương 4 khóa XII",
        "công tác kiểm tra, giám sát",
        "Chỉ thị 05-CT/TW của Bộ Chính trị",
        "công tác bảo vệ chính trị nội bộ",
        "công tác tuyên giáo",
        "Nghị quyết Đại hội XIII của Đảng",
        "công tác dân vận của Đảng",
        "đánh giá, xếp loại tổ chức đảng",
        "công tác quản lý đảng viên",
        "phòng, chống tham nhũng, lãng phí",
        "đấu tranh phản bác các quan điểm sai trái",
        "công tác thi đua, khen thưởng",
        "tự phê bình và phê bình",
        "công tác cán bộ cơ sở",
    ),
    "kinh-te": (
        "trồng khóm",
        "nuôi cá thát lát",
        "trồng mía",
        "trồng bưởi Năm Roi",
        "sản xuất lúa chất lượng cao",
        "nuôi lươn không bùn",
        "trồng chanh không hạt",
        "nuôi ếch thương phẩm",
        "trồng cam sành",
        "sản phẩm OCOP",
        "du lịch sinh thái",
        "thương mại điện tử",
        "chăn nuôi bò sinh sản",
        "trồng rau an toàn",
        "nuôi tôm càng xanh",
        "cánh đồng lớn",
        "trồng mít Thái",
        "nuôi cá trong ruộng lúa",
    ),
    "van-hoa-xa-hoi": (
        "xây dựng đời sống văn hóa",
        "phổ cập bơi cho trẻ em",
        "hiến máu tình nguyện",
        "tiêm chủng mở rộng",
        "khám bệnh, cấp thuốc miễn phí",
        "xây dựng nhà đại đoàn kết",
        "trao học bổng cho học sinh nghèo",
        "hội thi văn nghệ quần chúng",
        "giải bóng đá thiếu niên",
        "vận động bảo hiểm y tế học sinh",
        "phòng, chống đuối nước",
        "chăm sóc người cao tuổi",
        "đào tạo nghề cho lao động nông thôn",
        "xóa mù chữ",
        "ngày hội đại đoàn kết toàn dân tộc",
        "trao quà cho gia đình chính sách",
    ),
    "quoc-phong-an-ninh": (
        "diễn tập khu vực phòng thủ",
        "tuyển chọn và gọi công dân nhập ngũ",
        "huấn luyện dân quân tự vệ",
        "phòng cháy, chữa cháy",
        "bảo đảm trật tự an toàn giao thông",
        "phòng, chống tội phạm ma túy",
        "phong trào toàn dân bảo vệ an ninh Tổ quốc",
        "giáo dục quốc phòng và an ninh",
        "phòng, chống buôn lậu",
        "tấn công trấn áp tội phạm",
        "xây dựng lực lượng dự bị động viên",
        "quản lý vũ khí, vật liệu nổ",
        "tìm kiếm cứu nạn",
        "phòng, chống tín dụng đen",
    ),
    "tin-trong-nuoc": (
        "phát triển kinh tế - xã hội",
        "phòng, chống dịch Covid-19",
        "xây dựng nông thôn mới",
        "chuyển đổi số quốc gia",
        "cải cách thủ tục hành chính",
        "bầu cử đại biểu Quốc hội khóa XV",
        "ứng phó biến đổi khí hậu",
        "phòng, chống hạn mặn",
        "thu hút đầu tư",
        "phát triển du lịch",
        "bảo vệ môi trường",
        "giảm nghèo bền vững",
        "công tác xây dựng Đảng",
        "đào tạo nguồn nhân lực",
    ),
}

# Who leads an event, per category (used in ledes).
ACTORS: dict[str, tuple[str, ...]] = {
    "tin-trong-tinh": (
        "Thường trực Tỉnh ủy",
        "Ủy ban nhân dân tỉnh",
        "Thường trực Hội đồng nhân dân tỉnh",
        "Ban Thường vụ Tỉnh ủy",
        "đoàn công tác của tỉnh",
    ),
    "xay-dung-dang": (
        "Ban Tuyên giáo Tỉnh ủy",
        "Ban Tổ chức Tỉnh ủy",
        "Ủy ban Kiểm tra Tỉnh ủy",
        "Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh",
        "Ban Dân vận Tỉnh ủy",
    ),
    "kinh-te": (
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Sở Công Thương",
        "Hội Nông dân tỉnh",
        "Trung tâm Khuyến nông tỉnh",
        "Ủy ban nhân dân huyện",
    ),
    "van-hoa-xa-hoi": (
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
        "Tỉnh đoàn",
        "Sở Lao động - Thương binh và Xã hội",
        "Hội Liên hiệp Phụ nữ tỉnh",
        "Sở Y tế",
    ),
    "quoc-phong-an-ninh": (
        "Bộ Chỉ huy Quân sự tỉnh",
        "Công an tỉnh",
        "Ban Chỉ huy Quân sự huyện",
        "Bộ Chỉ huy Bộ đội Biên phòng",
        "Hội đồng Giáo dục quốc phòng và an ninh tỉnh",
    ),
    "tin-trong-nuoc": (
        "Ban Chấp hành Trung ương Đảng",
        "Chính phủ",
        "Ủy ban Thường vụ Quốc hội",
        "Ban Tuyên giáo Trung ương",
        "Bộ Kế hoạch và Đầu tư",
    ),
}

EVENTS: tuple[str, ...] = (
    "tổ chức hội nghị",
    "có buổi làm việc",
    "tổ chức buổi khảo sát",
    "tổ chức hội nghị sơ kết",
    "tổ chức buổi gặp mặt",
    "tổ chức lễ phát động",
    "có buổi kiểm tra thực tế",
)

# Fictional officials: (name, position).
OFFICIALS: tuple[tuple[str, str], ...] = (
    ("Nguyễn Văn Hùng", "Phó Bí thư Thường trực Tỉnh ủy"),
    ("Trần Thị Mỹ Hạnh", "Phó Chủ tịch UBND tỉnh"),
    ("Lê Minh Khoa", "Ủy viên Ban Thường vụ, Trưởng Ban Tuyên giáo Tỉnh ủy"),
    ("Phạm Văn Lợi", "Ủy viên Ban Thường vụ Tỉnh ủy, Chủ tịch Ủy ban MTTQ Việt Nam tỉnh"),
    ("Võ Thanh Tâm", "Tỉnh ủy viên, Giám đốc Sở Nông nghiệp và Phát triển nông thôn"),
    ("Huỳnh Quốc Việt", "Bí thư Huyện ủy"),
    ("Đặng Thị Ngọc Lan", "Phó Chủ tịch Thường trực HĐND tỉnh"),
    ("Trương Văn Sáu", "Ủy viên Ban Thường vụ Tỉnh ủy, Trưởng Ban Tổ chức Tỉnh ủy"),
    ("Nguyễn Hoàng Phúc", "Chủ tịch UBND huyện"),
    ("Lâm Văn Tài", "Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh"),
    ("Đỗ Minh Trí", "Giám đốc Công an tỉnh"),
    ("Cao Thị Bé Ba", "Chủ tịch Hội Liên hiệp Phụ nữ tỉnh"),
)

# Which officials may chair an event, per category (indexes into OFFICIALS).
OFFICIALS_BY_CATEGORY: dict[str, tuple[int, ...]] = {
    "tin-trong-tinh": (0, 1, 6, 8),
    "xay-dung-dang": (0, 2, 5, 7),
    "kinh-te": (1, 4, 8),
    "van-hoa-xa-hoi": (1, 3, 11),
    "quoc-phong-an-ninh": (9, 10, 5),
    "tin-trong-nuoc": (0, 2),
}

# Generic sentences of provincial party news. Slots: {place}, {x}, {n},
# {pct}, {person}, {position}, {year}, {actor}.
SENTENCES: tuple[str, ...] = (
    "Thời gian qua, {place} đã tập trung lãnh đạo, chỉ đạo thực hiện tốt {x}, đạt nhiều kết quả quan trọng.",
    "Công tác tuyên truyền được đẩy mạnh bằng nhiều hình thức phong phú, thu hút đông đảo cán bộ, đảng viên và Nhân dân tham gia.",
    "Theo báo cáo, đến nay toàn địa bàn đã có {n} hộ gia đình được hỗ trợ, đạt {pct}% kế hoạch đề ra.",
    "Bên cạnh những kết quả đạt được, vẫn còn một số hạn chế như nguồn lực đầu tư còn thấp, sự phối hợp giữa các ngành có lúc chưa chặt chẽ.",
    "Phát biểu chỉ đạo, đồng chí {person}, {position} ghi nhận, biểu dương những nỗ lực của {place} trong thời gian qua.",
    "Đồng chí đề nghị các cấp ủy, chính quyền tiếp tục quán triệt sâu sắc các chủ trương của Đảng, chính sách, pháp luật của Nhà nước về {x}.",
    "Các đại biểu đã tập trung thảo luận, đóng góp nhiều ý kiến thiết thực nhằm tháo gỡ khó khăn, vướng mắc ở cơ sở.",
    "Năm {year}, địa phương phấn đấu hoàn thành {pct}% chỉ tiêu Nghị quyết Đại hội Đảng bộ đề ra.",
    "Qua đó, góp phần nâng cao nhận thức, trách nhiệm của cán bộ, đảng viên và Nhân dân đối với {x}.",
    "Dịp này, {actor} đã trao {n} phần quà cho các hộ gia đình có hoàn cảnh khó khăn, mỗi phần trị giá 500.000 đồng.",
    "Công tác phối hợp giữa các sở, ngành với địa phương ngày càng chặt chẽ, hiệu quả.",
    "Nhiều mô hình hay, cách làm sáng tạo được nhân rộng, mang lại hiệu quả thiết thực.",
    "Trong thời gian tới, {place} sẽ tiếp tục rà soát, bổ sung kế hoạch, bảo đảm hoàn thành đúng tiến độ các nhiệm vụ đã đề ra.",
    "Tổng kinh phí thực hiện trong năm là hơn {n} triệu đồng, từ nguồn ngân sách và xã hội hóa.",
    "Người đứng đầu cấp ủy, chính quyền phải thật sự gương mẫu, sâu sát cơ sở, lắng nghe ý kiến của Nhân dân.",
    "Cùng với đó, cần chú trọng công tác kiểm tra, giám sát, kịp thời phát hiện và chấn chỉnh những thiếu sót.",
    "Theo đồng chí {person}, kết quả đạt được là nhờ sự vào cuộc quyết liệt của cả hệ thống chính trị và sự đồng thuận của Nhân dân.",
    "Đến nay, đã có {n} lượt cán bộ, đảng viên tham gia các lớp tập huấn, bồi dưỡng về {x}.",
    "Địa phương cũng kiến nghị tỉnh quan tâm hỗ trợ thêm kinh phí, nhất là đầu tư hạ tầng giao thông nông thôn.",
    "Các ngành chức năng cần tăng cường hướng dẫn, hỗ trợ cơ sở, kịp thời tháo gỡ những vướng mắc phát sinh.",
    "Ghi nhận tại buổi làm việc, nhiều ý kiến cho rằng cần có cơ chế đặc thù để thu hút nguồn lực đầu tư.",
    "Thực hiện phương châm “dân biết, dân bàn, dân làm, dân kiểm tra, dân giám sát, dân thụ hưởng”, các nội dung được công khai, minh bạch.",
    "Tỷ lệ hài lòng của người dân đối với {x} đạt trên {pct}%, tăng so với cùng kỳ năm trước.",
    "Đồng thời, quan tâm phát hiện, biểu dương, khen thưởng kịp thời những tập thể, cá nhân có thành tích tiêu biểu.",
    "Dự kiến đến cuối năm {year}, toàn địa bàn sẽ có thêm {n} công trình được đưa vào sử dụng.",
    "Đây là hoạt động thiết thực, ý nghĩa, thể hiện truyền thống “uống nước nhớ nguồn” của dân tộc.",
    "Tuy nhiên, tình hình thời tiết diễn biến phức tạp đã ảnh hưởng không nhỏ đến tiến độ thực hiện.",
    "Kết thúc buổi làm việc, đoàn đã đến thăm, tặng quà và động viên các gia đình chính sách tại {place}.",
    "Ban Chỉ đạo sẽ tổ chức kiểm tra định kỳ, đánh giá kết quả và báo cáo Ban Thường vụ Tỉnh ủy theo quy định.",
    "Mỗi cán bộ, đảng viên phải nêu cao tinh thần trách nhiệm, đi đầu trong thực hiện {x}.",
)

# Extra sentences per category.
CATEGORY_SENTENCES: dict[str, tuple[str, ...]] = {
    "tin-trong-tinh": (
        "Tốc độ tăng trưởng kinh tế của tỉnh ước đạt {pct}%, thu nhập bình quân đầu người tiếp tục tăng.",
        "Công tác cải cách hành chính được quan tâm, tỷ lệ hồ sơ giải quyết đúng hạn đạt {pct}%.",
        "Tỉnh đã giải ngân được hơn {n} tỷ đồng vốn đầu tư công, tập trung cho các công trình trọng điểm.",
    ),
    "xay-dung-dang": (
        "Trong năm, toàn Đảng bộ đã kết nạp {n} đảng viên mới, đạt {pct}% chỉ tiêu được giao.",
        "Nội dung sinh hoạt chi bộ được đổi mới, gắn với việc học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh.",
        "Ủy ban Kiểm tra các cấp đã tiến hành kiểm tra {n} tổ chức đảng và đảng viên khi có dấu hiệu vi phạm.",
    ),
    "kinh-te": (
        "Với diện tích hơn {n} ha, mỗi năm bà con thu lãi từ 80 đến 120 triệu đồng/ha.",
        "Giá bán hiện dao động từ 12.000 đến 15.000 đồng/kg, thương lái đến tận ruộng thu mua.",
        "Ngành nông nghiệp khuyến cáo nông dân áp dụng quy trình sản xuất theo hướng VietGAP để nâng cao giá trị sản phẩm.",
    ),
    "van-hoa-xa-hoi": (
        "Chương trình đã thu hút hơn {n} lượt người dân tham gia, tạo không khí vui tươi, phấn khởi.",
        "Nhiều em học sinh nghèo vượt khó được trao học bổng, tiếp thêm động lực đến trường.",
        "Các phong trào văn hóa, văn nghệ, thể dục thể thao ở cơ sở ngày càng phát triển sâu rộng.",
    ),
    "quoc-phong-an-ninh": (
        "Lực lượng công an đã triệt xóa {n} tụ điểm phức tạp về trật tự xã hội, bắt giữ nhiều đối tượng.",
        "Qua diễn tập, các lực lượng đã phối hợp nhịp nhàng, xử lý tốt các tình huống đặt ra.",
        "Tình hình an ninh chính trị, trật tự an toàn xã hội trên địa bàn cơ bản ổn định.",
    ),
    "tin-trong-nuoc": (
        "Theo số liệu thống kê, cả nước đã có {n} xã đạt chuẩn nông thôn mới, chiếm {pct}% tổng số xã.",
        "Chính phủ yêu cầu các bộ, ngành, địa phương khẩn trương hoàn thiện thể chế, tháo gỡ điểm nghẽn.",
        "Đây là kinh nghiệm quý để các địa phương trong khu vực Đồng bằng sông Cửu Long tham khảo, học tập.",
    ),
}

CAPTIONS: tuple[str, ...] = (
    "Quang cảnh buổi làm việc",
    "Quang cảnh hội nghị",
    "Đồng chí {person} phát biểu chỉ đạo",
    "Các đại biểu dự hội nghị",
    "Lãnh đạo tỉnh trao quà cho các hộ gia đình",
    "Đoàn công tác tham quan mô hình tại {place}",
    "Đại biểu biểu quyết thông qua nghị quyết",
    "Lãnh đạo địa phương báo cáo kết quả thực hiện {x}",
    "Trao giấy khen cho các tập thể, cá nhân tiêu biểu",
    "Người dân {place} phấn khởi",
)

AUTHORS: tuple[str, ...] = (
    "Hoàng Ý",
    "Minh Nhựt",
    "Thanh Phong",
    "Ngọc Trinh",
    "Kim Ngân",
    "Huỳnh Lam",
    "Ngọc Giàu",
    "Trung Kiên",
    "Thúy Hằng",
    "Mỹ Linh",
    "Quốc Trạng",
    "Phương Thảo",
)

#: Where national news is taken from: the page credits it "Theo <source>" (a source
#: credit, not an author).
NATIONAL_SOURCES: tuple[str, ...] = (
    "TTXVN",
    "dangcongsan.vn",
    "Báo Nhân Dân",
)

#: Sources the CMS themes of other portals credit local news to ("Nguồn: <source>").
LOCAL_SOURCES: tuple[str, ...] = (
    "Báo Hậu Giang",
    "Đài Phát thanh và Truyền hình Hậu Giang",
    "Ban Tuyên giáo Tỉnh ủy",
    "Cổng thông tin điện tử tỉnh",
)

#: Headings of "related news" boxes on the CMS themes of other portals: in no list of
#: the crawler.
RELATED_HEADINGS: dict[str, str] = {
    "nukeviet": "Đọc thêm cùng chủ đề",
    "sharepoint": "Có thể bạn quan tâm",
    "joomla": "Bài viết cùng loại",
    "initials": "Những bài viết khác",
}

COMMENTERS: tuple[str, ...] = (
    "Nguyễn Văn An",
    "Trần Thị Bích",
    "Lê Minh Tâm",
    "Phạm Quốc Bảo",
    "Võ Thị Hồng",
    "Huỳnh Văn Tư",
    "Đặng Ngọc Hân",
    "Một bạn đọc",
)

COMMENTS: tuple[str, ...] = (
    "Bài viết rất hay và bổ ích, cảm ơn tác giả.",
    "Mong địa phương tiếp tục quan tâm hơn nữa đến đời sống của bà con.",
    "Đề nghị các ngành chức năng sớm có giải pháp cụ thể.",
    "Rất phấn khởi trước những kết quả mà quê hương đạt được.",
    "Tôi ủng hộ chủ trương này, hy vọng sẽ được triển khai rộng rãi.",
    "Cần nhân rộng mô hình này ra các xã khác trong tỉnh.",
    "Cảm ơn Ban biên tập đã kịp thời thông tin đến bạn đọc.",
)

# Suffixes an editor adds when correcting a title (never in a generated title).
TITLE_EDIT_SUFFIXES: tuple[str, ...] = (
    " (cập nhật)",
    " - Cập nhật thêm thông tin",
    " (bổ sung)",
)

# Markup quirks an old CMS leaves around paragraph text (visible text unchanged).
PARAGRAPH_WRAPPERS: tuple[tuple[str, str], ...] = (
    ("", ""),
    ("", ""),
    ('<span style="font-size:12pt">', "</span>"),
    ('<font face="Arial" size="3">', "</font>"),
    ('<span style="font-family:Times New Roman">', "</span>&nbsp;"),
)

# --------------------------------------------------------------------------
# The "slugs" URL scheme (``ReplicaSite(url_scheme="slugs")``): title endings
# that put numbers other than the id at the end of a slug.
# --------------------------------------------------------------------------
# Ordinals: "... lần thứ 14" -> "...-lan-thu-14".
SLUG_ORDINALS: tuple[int, ...] = (2, 3, 4, 5, 10, 14, 15, 20)
# Anniversaries (day, month): "... nhân kỷ niệm 30/4" -> "...-nhan-ky-niem-30-4".
SLUG_HOLIDAYS: tuple[tuple[int, int], ...] = (
    (3, 2),
    (8, 3),
    (26, 3),
    (30, 4),
    (1, 5),
    (19, 5),
    (27, 7),
    (2, 9),
    (20, 10),
    (20, 11),
    (22, 12),
)
SLUG_HOLIDAY_PHRASES: tuple[str, ...] = ("nhân kỷ niệm", "chào mừng ngày")
# Titles a portal publishes again and again (the CMS adds "-2", "-3" to the slug).
RECURRING_TITLES: tuple[str, ...] = ("Tin vắn", "Điểm tin trong tuần", "Thông báo")
