#!/usr/bin/env bash
# download_coco.sh fetches COCO 2017 for keypoint training and evaluation:
# train/val images, the trainval annotations (person_keypoints_{train,val}2017.json)
# and the person detections SimpleBaseline/HRNet evaluate with
# (COCO_val2017_detections_AP_H_56_person.json, human AP 56.4).
# Needs internet and about 20 GB (zips included); not run in CI.
# Downloads resume (wget -c / curl -C -); extraction skips what exists.
#
#   scripts/download_coco.sh [DIR]     (default: data/coco)
#
# Resulting layout (what `keypoints train/eval` expect):
#   DIR/annotations/person_keypoints_{train,val}2017.json
#   DIR/train2017/*.jpg  DIR/val2017/*.jpg
#   DIR/person_detection_results/COCO_val2017_detections_AP_H_56_person.json
#
# The detections file is published by the HRNet / SimpleBaseline authors in a
# OneDrive and a Google Drive folder linked from their READMEs
# (https://github.com/leoxiaobin/deep-high-resolution-net.pytorch#data-preparation,
# also referenced by mmpose's COCO data docs):
#   OneDrive:     https://1drv.ms/f/s!AhIXJn_J-blWzzDXoz5BeFl8sWM-
#   Google Drive: https://drive.google.com/drive/folders/1fRUDNUDxe9fjqcRZ2bnF_TKMlO0nB_dk
# Folders cannot be fetched by a script; DET_URL may point at a direct link
# to the file (a mirror you trust). Without it the script prints where to put
# the file and exits 0 after the COCO downloads.
set -euo pipefail

dir=${1:-data/coco}
mkdir -p "$dir/person_detection_results"
cd "$dir"

fetch() { # fetch URL FILE: resumable download
	local url=$1 out=$2
	if command -v wget >/dev/null; then
		wget -c -O "$out" "$url"
	else
		curl -fL -C - -o "$out" "$url"
	fi
}

base=http://images.cocodataset.org
for z in zips/train2017.zip zips/val2017.zip annotations/annotations_trainval2017.zip; do
	fetch "$base/$z" "$(basename "$z")"
done

[[ -d train2017 ]] || unzip -q train2017.zip
[[ -d val2017 ]] || unzip -q val2017.zip
[[ -f annotations/person_keypoints_val2017.json ]] || unzip -q -o annotations_trainval2017.zip 'annotations/person_keypoints_*'

det=person_detection_results/COCO_val2017_detections_AP_H_56_person.json
if [[ -s $det ]]; then
	echo "download_coco: $det present"
elif [[ -n ${DET_URL:-} ]]; then
	fetch "$DET_URL" "$det"
else
	cat >&2 <<MSG
download_coco: COCO images and annotations are in $(pwd).
Download COCO_val2017_detections_AP_H_56_person.json from the HRNet folder
  https://1drv.ms/f/s!AhIXJn_J-blWzzDXoz5BeFl8sWM-  (OneDrive) or
  https://drive.google.com/drive/folders/1fRUDNUDxe9fjqcRZ2bnF_TKMlO0nB_dk  (Google Drive)
into $(pwd)/person_detection_results/, or rerun with DET_URL=<direct link>.
MSG
fi
echo "download_coco: done ($(pwd))"
